//! A new collector plugs in through the public registry alone: no change to `Facts` or the
//! evaluator. Its output is stored by name, survives the JSON bundle, and is read back by type.

use serde::{Deserialize, Serialize};
use ward::facts::registry::DuplicateCollector;
use ward::facts::{Collector, Fact, FactError, FactKind, Facts, Plan, Registry};
use ward::host_root::HostRoot;

/// A toy collector: how many non-comment lines `/etc/issue.net` has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IssueNet {
    lines: usize,
}

impl FactKind for IssueNet {
    const NAME: &'static str = "issue_net";
}

struct IssueNetCollector;

impl Collector for IssueNetCollector {
    type Output = IssueNet;
    fn paths(&self) -> Vec<String> {
        vec!["/etc/issue.net".into()]
    }
    fn collect(&self, root: &HostRoot, _plan: &Plan) -> Fact<IssueNet> {
        match root.read_text("/etc/issue.net") {
            Ok(t) => Fact::Collected {
                value: IssueNet {
                    lines: t.lines().filter(|l| !l.starts_with('#')).count(),
                },
            },
            Err(e) => Fact::from_read_error(&e),
        }
    }
}

/// A collector that only makes sense on the running system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Uptime(u64);

impl FactKind for Uptime {
    const NAME: &'static str = "uptime";
}

struct UptimeCollector;

impl Collector for UptimeCollector {
    type Output = Uptime;
    fn paths(&self) -> Vec<String> {
        vec!["/proc/uptime".into()]
    }
    fn live_only(&self) -> bool {
        true
    }
    fn collect(&self, _root: &HostRoot, _plan: &Plan) -> Fact<Uptime> {
        Fact::Collected { value: Uptime(1) }
    }
}

#[test]
fn a_new_collector_registers_and_its_output_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/issue.net"),
        "# c\nAuthorised use only\n\n",
    )
    .unwrap();
    let root = HostRoot::new(dir.path()).unwrap();

    let mut registry = Registry::builtin();
    registry.register(IssueNetCollector).unwrap();
    registry.register(UptimeCollector).unwrap();
    let facts = registry.collect(&root, &Plan::default());

    assert_eq!(facts.get::<IssueNet>(), Some(&IssueNet { lines: 2 }));
    let run = facts
        .collectors
        .iter()
        .find(|c| c.name == "issue_net")
        .expect("the run records the new collector");
    assert!(run.ran);
    assert_eq!(run.paths, vec!["/etc/issue.net".to_string()]);

    // Live-only collectors are skipped on an image, and say so.
    assert_eq!(
        facts.fact::<Uptime>().unwrap_err(),
        FactError::LiveOnly { name: "uptime" }
    );

    // Through a bundle and back.
    let json = serde_json::to_string(&facts).unwrap();
    let back: Facts = serde_json::from_str(&json).unwrap();
    assert_eq!(back.get::<IssueNet>(), Some(&IssueNet { lines: 2 }));
    assert!(back.names().any(|n| n == "issue_net"));
}

#[test]
fn duplicate_names_are_refused() {
    let mut registry = Registry::empty();
    registry.register(IssueNetCollector).unwrap();
    let err: DuplicateCollector = registry.register(IssueNetCollector).unwrap_err();
    assert!(err.to_string().contains("issue_net"));
}

#[test]
fn a_bundle_without_a_collector_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let facts = Registry::empty().collect(&root, &Plan::default());
    let err = facts.fact::<IssueNet>().unwrap_err();
    assert_eq!(err, FactError::NotCollected { name: "issue_net" });
    assert!(err.to_string().contains("not collected"));

    // A section that does not decode is malformed, never a default value.
    let mut json: serde_json::Value = serde_json::to_value(&facts).unwrap();
    json["facts"]["issue_net"] =
        serde_json::json!({"status": "collected", "value": {"lines": "many"}});
    let back: Facts = serde_json::from_value(json).unwrap();
    assert!(matches!(
        back.fact::<IssueNet>(),
        Err(FactError::Malformed {
            name: "issue_net",
            ..
        })
    ));
}

/// Twice the issue.net line count, read from the issue_net collector's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Doubled(usize);

impl FactKind for Doubled {
    const NAME: &'static str = "doubled";
}

struct DoubledCollector;

impl Collector for DoubledCollector {
    type Output = Doubled;
    fn paths(&self) -> Vec<String> {
        vec![]
    }
    fn needs(&self) -> &'static [&'static str] {
        &["issue_net"]
    }
    fn collect(&self, _root: &HostRoot, _plan: &Plan) -> Fact<Doubled> {
        Fact::Error {
            reason: "needs issue_net".into(),
            permission_denied: false,
        }
    }
    fn collect_after(&self, _root: &HostRoot, _plan: &Plan, earlier: &Facts) -> Fact<Doubled> {
        match earlier.get::<IssueNet>() {
            Some(i) => Fact::Collected {
                value: Doubled(i.lines * 2),
            },
            None => self.collect(_root, _plan),
        }
    }
}

/// Collectors run side by side, but one that needs another's output runs after it, even
/// when registered first; the bundle lists collectors in registration order.
#[test]
fn a_collector_runs_after_the_outputs_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("etc/issue.net"), "a\nb\nc\n").unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let mut registry = Registry::empty();
    registry.register(DoubledCollector).unwrap();
    registry.register(IssueNetCollector).unwrap();
    for _ in 0..20 {
        let facts = registry.collect(&root, &Plan::default());
        assert_eq!(facts.get::<Doubled>(), Some(&Doubled(6)));
        let names: Vec<&str> = facts.collectors.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["doubled", "issue_net"]);
    }
}
