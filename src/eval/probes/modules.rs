//! Kernel modules (`kernel_module` probes): whether modprobe can load a module, from the
//! modprobe.d configuration and the modules the installed kernels ship
//! ([`crate::facts::modprobe`]).

use crate::catalogue::test::KernelModuleTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::modprobe::{normalise, Modprobe};
use crate::facts::{Fact, Facts};

/// Whether an install command stops the load: modprobe runs it through `sh -c`, and it
/// runs only `true` or `false` (any arguments are ignored by them; a `#` starts a shell
/// comment). Anything that could run a second command (`;`, `&`, `|`, `` ` ``, `$(`,
/// redirections) is not known to stop it.
fn blocks(command: &str) -> bool {
    let c = command.trim_matches([' ', '\t']);
    let c = match c.find(" #").or_else(|| c.find("\t#")) {
        Some(i) => &c[..i],
        None => c,
    };
    if c.contains([';', '&', '|', '`', '$', '(', ')', '<', '>', '\n']) {
        return false;
    }
    matches!(
        c.split([' ', '\t']).next(),
        Some("/bin/false" | "/bin/true" | "/usr/bin/false" | "/usr/bin/true" | "false" | "true")
    )
}

fn config_source() -> EvidenceSource {
    EvidenceSource::search(
        crate::facts::modprobe::DIRS
            .map(|d| format!("{d}/*.conf"))
            .join(", "),
    )
}

pub(super) fn kernel_module(t: &KernelModuleTest, facts: &Facts) -> Verdict {
    let m = collected!(facts => Modprobe, EvidenceSource::collector("modprobe configuration"));
    let name = normalise(&t.name).unwrap_or_else(|| t.name.clone());
    let v = disabled(&name, m);
    if t.loadable {
        // The question turned round: passes where the module can be loaded.
        return match v.outcome {
            Outcome::Pass => Verdict {
                outcome: Outcome::Fail,
                ..v
            },
            Outcome::Fail => Verdict {
                outcome: Outcome::Pass,
                ..v
            },
            _ => v,
        };
    }
    v
}

/// Whether modprobe is stopped from loading `name`: pass when it is.
fn disabled(name: &str, m: &Modprobe) -> Verdict {
    let expected = format!("{name} cannot be loaded");
    if let Some(loaded) = &m.loaded {
        if loaded.iter().any(|l| l == name) {
            return Verdict::fail(
                format!("{name} is loaded in the running kernel"),
                vec![Evidence::new(
                    EvidenceSource::runtime("/proc/modules"),
                    format!("{name} loaded"),
                    expected,
                )],
            );
        }
    }
    if m.kernels.is_empty() {
        return Verdict::with(
            Outcome::NotApplicable,
            format!(
                "not applicable: no kernel modules are installed in this root \
                 ({}/*/modules.dep): modules come from the host that runs it",
                crate::facts::modprobe::MODULES
            ),
            vec![Evidence::new(
                EvidenceSource::search(format!(
                    "{}/*/modules.dep",
                    crate::facts::modprobe::MODULES
                )),
                "no installed kernel",
                expected,
            )],
        );
    }
    let mut evidence = Vec::new();
    for k in &m.kernels {
        let dir = format!("{}/{}", crate::facts::modprobe::MODULES, k.version);
        if let Some(e) = &k.error {
            return Verdict::error(
                EvidenceSource::file(format!("{dir}/modules.dep"), None),
                e.clone(),
                false,
            );
        }
        if k.builtin.binary_search(&name.to_string()).is_ok() {
            return Verdict::fail(
                format!(
                    "{name} is built into kernel {}: no modprobe setting can stop it",
                    k.version
                ),
                vec![Evidence::new(
                    EvidenceSource::file(format!("{dir}/modules.builtin"), None),
                    format!("{name} built in"),
                    expected,
                )],
            );
        }
    }
    let shipping: Vec<&str> = m
        .kernels
        .iter()
        .filter(|k| k.loadable.binary_search(&name.to_string()).is_ok())
        .map(|k| k.version.as_str())
        .collect();
    if shipping.is_empty() {
        let versions: Vec<&str> = m.kernels.iter().map(|k| k.version.as_str()).collect();
        return Verdict::pass(
            format!("no installed kernel ships {name} ({})", versions.join(", ")),
            vec![Evidence::new(
                EvidenceSource::search(format!(
                    "{}/*/modules.dep",
                    crate::facts::modprobe::MODULES
                )),
                format!("{name} not among the modules of {}", versions.join(", ")),
                expected,
            )],
        );
    }
    // modprobe runs the command of the first install entry whose pattern matches.
    let install = m.install_for(name);
    if let Some(d) = install {
        let command = d.command.as_deref().unwrap_or("");
        let ev = vec![Evidence::new(
            EvidenceSource::origin(&d.origin),
            format!("install {} {command}", d.module),
            "install NAME /bin/false (or /bin/true)",
        )];
        return if blocks(command) {
            Verdict::pass(
                format!(
                    "modprobe runs `{}` instead of loading {name}",
                    command.trim()
                ),
                ev,
            )
        } else {
            Verdict::fail(
                format!(
                    "modprobe runs `{}` for {name}, which may load it",
                    command.trim()
                ),
                ev,
            )
        };
    }
    evidence.extend(m.blacklists.iter().filter(|d| d.module == name).map(|d| {
        Evidence::new(
            EvidenceSource::origin(&d.origin),
            format!("blacklist {name}"),
            "install NAME /bin/false (or /bin/true)",
        )
    }));
    let reason = if evidence.is_empty() {
        evidence.push(Evidence::new(
            config_source(),
            format!(
                "no install entry for {name}; shipped by {}",
                shipping.join(", ")
            ),
            "install NAME /bin/false (or /bin/true)",
        ));
        format!(
            "nothing stops modprobe from loading {name} (shipped by {})",
            shipping.join(", ")
        )
    } else {
        format!(
            "{name} is only blacklisted: that stops loading through aliases, but \
             `modprobe {name}` still loads it"
        )
    };
    Verdict::fail(reason, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_true_and_false_block() {
        for c in [
            "/bin/false",
            " /bin/true",
            "/usr/bin/false  ",
            "true",
            "/bin/false # CIS",
            "   /bin/false   extra words",
        ] {
            assert!(blocks(c), "{c:?}");
        }
        for c in [
            "/sbin/modprobe --ignore-install cramfs",
            "/bin/false; modprobe --ignore-install cramfs",
            "/bin/true && modprobe --ignore-install cramfs",
            "/bin/false $(modprobe --ignore-install cramfs)",
            "/bin/echo",
            "",
        ] {
            assert!(!blocks(c), "{c:?}");
        }
    }
}
