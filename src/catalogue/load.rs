//! Reading catalogue sources and turning them into loaded items.
//!
//! Sources come from the binary (the built-in catalogue) or a directory; each file is parsed
//! by its layer, ids are collected across source sets (a later set replaces, the same set
//! duplicates), and a parse error is reported at its exact place before each item is parsed
//! on its own so one run reports every broken item. Validation of what parsed is in
//! `validate`; this module only parses and collects.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use super::fixtures;
use super::model::{Check, Framework, Profile, Requirement};
use super::{validate, Catalogue};

/// One problem in a catalogue, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            // A problem with the whole file (unreadable, misplaced): no position to give.
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A catalogue that failed to load, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("catalogue has {} problem(s):\n{}", .0.len(), .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
pub struct CatalogueError(pub Vec<Diagnostic>);

/// A YAML source file of a catalogue.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path shown in messages: `builtin:checks/ssh.yaml` or a real path.
    pub name: String,
    /// Layer-relative path, `checks/ssh.yaml`.
    pub rel: String,
    pub text: String,
    /// A built-in file: `build.rs` parsed it when Ward was built, and the loader uses that
    /// parse instead of reading the YAML again (see [`Prebuilt`]).
    pub builtin: bool,
}

/// Every file of `controls/` (layer-relative path, text), embedded by `build.rs`.
const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_catalogue.rs"));

/// SHA-256 of the built-in set (hex), computed by `build.rs` exactly as
/// [`Catalogue::load`] computes a set's digest.
const BUILTIN_DIGEST: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin_digest.txt"));

/// The digest of one source set: SHA-256 over each file's layer path, NUL, text, NUL, in
/// path order. The unchanged built-in set has its digest from build time.
fn set_digest(files: &[&SourceFile]) -> String {
    let unchanged_builtin = files.len() == BUILTIN.len()
        && files
            .iter()
            .zip(BUILTIN.iter())
            .all(|(f, (rel, text))| f.builtin && f.rel == *rel && f.text.len() == text.len());
    if unchanged_builtin {
        return BUILTIN_DIGEST.to_string();
    }
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.rel.as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// The built-in catalogue, compiled into the binary by `build.rs`.
pub fn builtin_sources() -> Vec<SourceFile> {
    BUILTIN
        .iter()
        .map(|(rel, text)| SourceFile {
            name: format!("builtin:{rel}"),
            rel: rel.to_string(),
            text: text.to_string(),
            builtin: true,
        })
        .collect()
}

/// A built-in data file (`controls/data/NAME`), embedded like the catalogue.
pub fn builtin_data(name: &str) -> Option<&'static str> {
    let rel = format!("data/{name}");
    BUILTIN
        .iter()
        .find(|(r, _)| *r == rel)
        .map(|(_, text)| *text)
}

/// An item and the line and column where it starts.
#[derive(Debug, Deserialize)]
struct At<T> {
    line: u64,
    column: u64,
    item: T,
}

impl<T> From<Spanned<T>> for At<T> {
    fn from(sp: Spanned<T>) -> At<T> {
        At {
            line: sp.referenced.line(),
            column: sp.referenced.column(),
            item: sp.value,
        }
    }
}

/// One built-in file as `build.rs` parsed it, with the same types and YAML crate as
/// [`Catalogue::load`]: parsing ~120 KiB of YAML was most of a scan's time, deserialising
/// this JSON is a tenth of it. Fixtures are not in it (scans do not parse them).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Prebuilt {
    #[serde(default)]
    checks: Option<Vec<At<Check>>>,
    #[serde(default)]
    framework: Option<At<Framework>>,
    #[serde(default)]
    profile: Option<At<Profile>>,
}

/// The parsed built-in files by layer-relative path. Empty if the embedded JSON does not
/// deserialise (it always should: a test compares it with the YAML), so the loader parses
/// the YAML instead: slower, never different.
fn prebuilt() -> BTreeMap<String, Prebuilt> {
    serde_json::from_str(include_str!(concat!(
        env!("OUT_DIR"),
        "/builtin_parsed.json"
    )))
    .unwrap_or_default()
}

/// The catalogue's digest: the one set's digest, or, when directories are layered over the
/// built-in set, SHA-256 over each set's name, NUL, digest, NUL in load order.
fn catalogue_digest(sets: &[(String, String)]) -> String {
    match sets {
        [(_, one)] => format!("sha256:{one}"),
        _ => {
            let mut h = Sha256::new();
            for (name, d) in sets {
                h.update(name.as_bytes());
                h.update([0]);
                h.update(d.as_bytes());
                h.update([0]);
            }
            format!("sha256:{}", hex::encode(h.finalize()))
        }
    }
}

/// Read the YAML files of a catalogue directory (`checks/`, `frameworks/`, `profiles/`,
/// `fixtures/`). Unreadable files are diagnostics, not panics.
pub fn dir_sources(dir: &Path) -> Result<Vec<SourceFile>, CatalogueError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut layers_found = 0;
    for layer in ["checks", "frameworks", "profiles", "fixtures"] {
        let ldir = dir.join(layer);
        if !ldir.is_dir() {
            continue;
        }
        layers_found += 1;
        let walker = walkdir::WalkDir::new(&ldir)
            .max_depth(4)
            .follow_links(false)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    problems.push(diag(&ldir.display().to_string(), 0, 0, e.to_string()));
                    continue;
                }
            };
            let p = entry.path();
            if !entry.file_type().is_file()
                || !matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            {
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned();
            match std::fs::read(p) {
                Ok(bytes) if bytes.len() > 4 * 1024 * 1024 => problems.push(diag(
                    &p.display().to_string(),
                    0,
                    0,
                    "file is over 4 MiB; not a catalogue file".into(),
                )),
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => out.push(SourceFile {
                        name: p.display().to_string(),
                        rel,
                        text,
                        builtin: false,
                    }),
                    Err(_) => problems.push(diag(
                        &p.display().to_string(),
                        0,
                        0,
                        "not valid UTF-8".into(),
                    )),
                },
                Err(e) => problems.push(diag(&p.display().to_string(), 0, 0, e.to_string())),
            }
        }
    }
    if layers_found == 0 {
        problems.push(diag(
            &dir.display().to_string(),
            0,
            0,
            "no checks/, frameworks/, profiles/ or fixtures/ folder: not a catalogue directory"
                .into(),
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(CatalogueError(problems))
    }
}

pub(super) fn diag(file: &str, line: u64, column: u64, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

/// An item that replaced an earlier one with the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    /// `check`, `framework`, `profile` or `fixture`.
    pub kind: String,
    pub id: String,
    /// `file:line` of the replacing item.
    pub by: String,
    /// `file:line` of the item it replaced.
    pub replaced: String,
}

/// Where each item came from, for "duplicate id" and "replaces" messages.
pub(super) struct Loaded<T> {
    pub(super) item: T,
    pub(super) file: String,
    pub(super) line: u64,
    pub(super) column: u64,
    layer_set: usize,
}

impl Catalogue {
    /// Load sets of sources in order; an item in a later set replaces an item with the same
    /// id in an earlier set. Duplicates within one set are errors.
    pub fn load(sets: Vec<(String, Vec<SourceFile>)>) -> Result<Catalogue, CatalogueError> {
        Catalogue::load_inner(sets, true)
    }

    /// [`Catalogue::load`] without parsing the fixtures: what a scan, a collection or an
    /// evaluation needs. Fixture files are still part of the digest, and the fixture names
    /// checks refer to are still checked against the file names; the fixtures' own content
    /// is parsed and validated by `ward controls test` and `ward controls lint`. Fixtures
    /// are most of the built-in catalogue's YAML, so this saves a good part of its load time.
    pub fn load_for_scan(
        sets: Vec<(String, Vec<SourceFile>)>,
    ) -> Result<Catalogue, CatalogueError> {
        Catalogue::load_inner(sets, false)
    }

    fn load_inner(
        sets: Vec<(String, Vec<SourceFile>)>,
        with_fixtures: bool,
    ) -> Result<Catalogue, CatalogueError> {
        let mut problems = Vec::new();
        // Names of every fixture file, parsed or not.
        let mut fixture_names: BTreeSet<String> = BTreeSet::new();
        let mut checks: BTreeMap<String, Loaded<Check>> = BTreeMap::new();
        let mut frameworks: BTreeMap<String, Loaded<Framework>> = BTreeMap::new();
        let mut profiles: BTreeMap<String, Loaded<Profile>> = BTreeMap::new();
        let mut fixture_map: BTreeMap<String, Loaded<fixtures::Fixture>> = BTreeMap::new();
        let mut set_digests: Vec<(String, String)> = Vec::new();
        let mut sources = Vec::new();
        // Ids of checks that failed to parse: references to them are not reported again.
        let mut broken: BTreeSet<String> = BTreeSet::new();
        let mut replaced: Vec<Replacement> = Vec::new();
        let mut prebuilt_files: Option<BTreeMap<String, Prebuilt>> = None;
        for (set_index, (set_name, files)) in sets.iter().enumerate() {
            sources.push(set_name.clone());
            let mut files: Vec<&SourceFile> = files.iter().collect();
            files.sort_by(|a, b| a.rel.cmp(&b.rel));
            set_digests.push((set_name.clone(), set_digest(&files)));
            for f in files {
                let layer = f.rel.split(['/', '\\']).next().unwrap_or("");
                let mut pre = match f.builtin {
                    true => prebuilt_files
                        .get_or_insert_with(prebuilt)
                        .remove(&f.rel)
                        .unwrap_or_default(),
                    false => Prebuilt::default(),
                };
                match layer {
                    "checks" => {
                        let items = match pre.checks.take() {
                            Some(items) => items,
                            None => parse_checks(f, &mut problems, &mut broken),
                        };
                        for At { line, column, item } in items {
                            let mut c = item;
                            c.origin = format!("{}:{}", f.name, line);
                            insert(
                                &mut checks,
                                c.id.clone(),
                                Loaded {
                                    item: c,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "check",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    "frameworks" => {
                        let fw = match pre.framework.take() {
                            Some(fw) => Some(fw),
                            None => parse_framework(f, &mut problems, &mut broken),
                        };
                        if let Some(At { line, column, item }) = fw {
                            let mut fw = item;
                            fw.origin = f.name.clone();
                            insert(
                                &mut frameworks,
                                fw.framework.id.clone(),
                                Loaded {
                                    item: fw,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "framework",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    "profiles" => {
                        let p = match pre.profile.take() {
                            Some(p) => Some(p),
                            None => parse::<Spanned<Profile>>(f, &mut problems).map(At::from),
                        };
                        if let Some(At { line, column, item }) = p {
                            let mut p = item;
                            p.origin = f.name.clone();
                            insert(
                                &mut profiles,
                                p.id.clone(),
                                Loaded {
                                    item: p,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "profile",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    // Ward's own data files (`data/eol-products.yaml`): part of the digest,
                    // read by the code that uses them.
                    "data" => {}
                    "fixtures" => {
                        let name = Path::new(&f.rel)
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        fixture_names.insert(name.clone());
                        if !with_fixtures {
                            continue;
                        }
                        let fx: Option<Spanned<fixtures::Fixture>> = parse(f, &mut problems);
                        if let Some(sp) = fx {
                            let (line, column) = (sp.referenced.line(), sp.referenced.column());
                            insert(
                                &mut fixture_map,
                                name,
                                Loaded {
                                    item: sp.value,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "fixture",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    other => problems.push(diag(
                        &f.name,
                        0,
                        0,
                        format!(
                            "file is in {other:?}, not one of checks/, frameworks/, profiles/, fixtures/"
                        ),
                    )),
                }
            }
        }

        // Item-level validation, all problems at once.
        validate::validate(
            &checks,
            &frameworks,
            &mut profiles,
            &fixture_map,
            &fixture_names,
            &broken,
            &mut problems,
        );

        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(CatalogueError(problems));
        }
        Ok(Catalogue {
            checks: checks.into_iter().map(|(k, v)| (k, v.item)).collect(),
            frameworks: frameworks.into_iter().map(|(k, v)| (k, v.item)).collect(),
            profiles: profiles.into_iter().map(|(k, v)| (k, v.item)).collect(),
            fixtures: fixture_map.into_iter().map(|(k, v)| (k, v.item)).collect(),
            digest: catalogue_digest(&set_digests),
            sources,
            replaced,
        })
    }
}

/// Parse a checks file. On a parse error, the first problem is reported with its exact line
/// and column, then every item is parsed on its own so the problems of the other items are
/// reported in the same run (located at the item), and the good items still load.
fn parse_checks(
    f: &SourceFile,
    problems: &mut Vec<Diagnostic>,
    broken: &mut BTreeSet<String>,
) -> Vec<At<Check>> {
    let eline = match serde_saphyr::from_str::<Vec<Spanned<Check>>>(&f.text) {
        Ok(v) => return v.into_iter().map(At::from).collect(),
        Err(e) => report_first(f, &e, problems),
    };
    // The YAML itself may be broken; then the first error is all there is to say.
    let Ok(items) = serde_saphyr::from_str::<Vec<Spanned<serde_json::Value>>>(&f.text) else {
        return Vec::new();
    };
    let mut good = Vec::new();
    for (item, parsed) in items
        .iter()
        .zip(reparse_items::<Check>(f, &items, eline, "check", problems))
    {
        match parsed {
            Some(sp) => good.push(At {
                line: item.referenced.line(),
                column: item.referenced.column(),
                item: sp.value,
            }),
            None => {
                if let Some(id) = item.value.get("id").and_then(|v| v.as_str()) {
                    broken.insert(id.to_string());
                }
            }
        }
    }
    good
}

/// Parse a framework file. On a parse error, the first problem is reported exactly, then each
/// requirement is parsed on its own so every bad requirement is reported in the same run.
/// A framework with any problem is not loaded; its id goes to `broken` so references to it
/// are not reported again.
fn parse_framework(
    f: &SourceFile,
    problems: &mut Vec<Diagnostic>,
    broken: &mut BTreeSet<String>,
) -> Option<At<Framework>> {
    let eline = match serde_saphyr::from_str::<Spanned<Framework>>(&f.text) {
        Ok(v) => return Some(At::from(v)),
        Err(e) => report_first(f, &e, problems),
    };
    #[derive(Deserialize)]
    struct Skeleton {
        #[serde(default)]
        framework: Option<serde_json::Value>,
        #[serde(default)]
        requirements: Vec<Spanned<serde_json::Value>>,
    }
    let Ok(sk) = serde_saphyr::from_str::<Skeleton>(&f.text) else {
        return None;
    };
    if let Some(id) = sk
        .framework
        .as_ref()
        .and_then(|fw| fw.get("id"))
        .and_then(|v| v.as_str())
    {
        broken.insert(id.to_string());
    }
    let _ = reparse_items::<Requirement>(f, &sk.requirements, eline, "requirement", problems);
    None
}

/// Report a whole-file parse error at its exact position; returns its line.
fn report_first(f: &SourceFile, e: &serde_saphyr::Error, problems: &mut Vec<Diagnostic>) -> u64 {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    problems.push(diag(&f.name, line, column, first_line(&e.to_string())));
    line
}

/// Parse each item of a YAML block sequence from its own lines (a generic value would read
/// `y` or `no` as booleans, so the typed shape is used), shifting error locations back into
/// the file. `items` are the sequence's items read generically, for their position and
/// `id`. The item that holds `first_error_line` was already reported precisely and is not
/// reported again.
fn reparse_items<T: for<'de> Deserialize<'de>>(
    f: &SourceFile,
    items: &[Spanned<serde_json::Value>],
    first_error_line: u64,
    what: &str,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Option<Spanned<T>>> {
    let starts: Vec<(u64, u64, Option<&str>)> = items
        .iter()
        .map(|i| {
            let id = i.value.get("id").and_then(|v| v.as_str());
            (i.referenced.line(), i.referenced.column(), id)
        })
        .collect();
    let lines: Vec<&str> = f.text.lines().collect();
    let mut out = Vec::with_capacity(starts.len());
    for (n, (start, column, id)) in starts.iter().enumerate() {
        let end = starts
            .get(n + 1)
            .map(|s| s.0)
            .unwrap_or(lines.len() as u64 + 1);
        let from = usize::try_from(start.saturating_sub(1)).unwrap_or(usize::MAX);
        let to = usize::try_from(end.saturating_sub(1)).unwrap_or(usize::MAX);
        let Some(slice) = lines.get(from..to.min(lines.len())) else {
            out.push(None);
            continue;
        };
        match serde_saphyr::from_str::<Vec<Spanned<T>>>(&slice.join("\n")) {
            Ok(mut v) if v.len() == 1 => out.push(v.pop()),
            Ok(_) => out.push(None),
            Err(e) => {
                out.push(None);
                if (*start..end).contains(&first_error_line) {
                    continue;
                }
                let (line, col) = e
                    .location()
                    .map(|l| (l.line() + start - 1, l.column()))
                    .unwrap_or((*start, *column));
                let label = id
                    .as_ref()
                    .map(|i| format!("{what} {i}: "))
                    .unwrap_or_default();
                problems.push(diag(
                    &f.name,
                    line,
                    col,
                    format!("{label}{}", first_line(&e.to_string())),
                ));
            }
        }
    }
    out
}

fn parse<T: for<'de> Deserialize<'de>>(
    f: &SourceFile,
    problems: &mut Vec<Diagnostic>,
) -> Option<T> {
    match serde_saphyr::from_str::<T>(&f.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            problems.push(diag(&f.name, line, column, first_line(&e.to_string())));
            None
        }
    }
}

/// serde-saphyr renders `error: line L column C: message` and a source snippet; keep the
/// message (the location is reported separately).
fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    let rest = line.strip_prefix("error: ").unwrap_or(line);
    match rest.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((loc, msg)) if loc.contains(" column ") => msg.to_string(),
        _ => rest.to_string(),
    }
}

fn insert<T>(
    map: &mut BTreeMap<String, Loaded<T>>,
    id: String,
    item: Loaded<T>,
    what: &str,
    problems: &mut Vec<Diagnostic>,
    replaced: &mut Vec<Replacement>,
) {
    if let Some(prev) = map.get(&id) {
        if prev.layer_set == item.layer_set {
            problems.push(diag(
                &item.file,
                item.line,
                item.column,
                format!(
                    "duplicate {what} id {id:?} (first defined at {}:{})",
                    prev.file, prev.line
                ),
            ));
            return;
        }
        replaced.push(Replacement {
            kind: what.to_string(),
            id: id.clone(),
            by: format!("{}:{}", item.file, item.line),
            replaced: format!("{}:{}", prev.file, prev.line),
        });
    }
    map.insert(id, item);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            name: format!("test:{rel}"),
            rel: rel.to_string(),
            text: text.to_string(),
            builtin: false,
        }
    }

    /// The built-in catalogue as `build.rs` parsed it is the catalogue the YAML gives: same
    /// checks (with their lines), frameworks, profiles and digest. And every check, framework
    /// and profile file is in it, so scans really skip the YAML parser.
    #[test]
    fn prebuilt_builtin_catalogue_equals_the_yaml() {
        let pre = prebuilt();
        let sources = builtin_sources();
        for f in &sources {
            let layer = f.rel.split('/').next().unwrap_or("");
            if matches!(layer, "checks" | "frameworks" | "profiles") {
                assert!(
                    pre.contains_key(&f.rel),
                    "{} was not parsed by build.rs",
                    f.rel
                );
            }
        }
        let from_yaml: Vec<SourceFile> = sources
            .iter()
            .cloned()
            .map(|f| SourceFile {
                builtin: false,
                ..f
            })
            .collect();
        let fast = Catalogue::load_for_scan(vec![("builtin".into(), sources)]).unwrap();
        let slow = Catalogue::load_for_scan(vec![("builtin".into(), from_yaml)]).unwrap();
        assert_eq!(fast.checks, slow.checks);
        assert_eq!(fast.frameworks, slow.frameworks);
        assert_eq!(fast.profiles, slow.profiles);
        assert_eq!(fast.digest, slow.digest);
        assert!(!fast.checks.is_empty());
    }

    /// A built-in file with no parsed form (or one `build.rs` could not parse) is read from
    /// its YAML, and its problems are reported with their place as for any catalogue.
    #[test]
    fn builtin_file_without_a_parsed_form_is_read_from_yaml() {
        let bad = "- id: a.b\n  title: t\n  severity: high\n  test:\n    sshd: { key: X, won_of: [no] }\n  rationale: r\n  remediation: { steps: s }\n";
        let f = SourceFile {
            name: "builtin:checks/zz-not-built.yaml".into(),
            rel: "checks/zz-not-built.yaml".into(),
            text: bad.into(),
            builtin: true,
        };
        let err = Catalogue::load(vec![("builtin".into(), vec![f])]).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].line, 5, "{err}");
    }

    #[test]
    fn unknown_keys_and_operators_are_located() {
        let bad = "- id: a.b\n  title: t\n  severity: high\n  test:\n    sshd: { key: X, won_of: [no] }\n  rationale: r\n  remediation: { steps: s }\n";
        let err = Catalogue::load(vec![("t".into(), vec![src("checks/a.yaml", bad)])]).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].line, 5, "{err}");
        assert!(err.0[0].message.contains("won_of"), "{err}");
    }

    #[test]
    fn every_bad_item_in_one_file_is_reported() {
        let text = "- id: a.one\n  title: t\n  severity: high\n  test: { package: { name: x, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n  colour: red\n- id: a.two\n  title: t\n  severity: high\n  test: { package: { name: y, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n- id: a.three\n  title: t\n  severity: extreme\n  test: { package: { name: z, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n";
        let err =
            Catalogue::load(vec![("t".into(), vec![src("checks/a.yaml", text)])]).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
        assert_eq!(err.0[0].line, 7, "{err}");
        assert!(err.0[0].message.contains("colour"), "{err}");
        assert_eq!(err.0[1].line, 16, "{err}");
        assert!(err.0[1].message.contains("a.three"), "{err}");
        assert!(err.0[1].message.contains("extreme"), "{err}");
    }

    #[test]
    fn every_bad_requirement_of_a_framework_is_reported() {
        let check = "- id: a.b\n  title: t\n  severity: high\n  test: { package: { name: x, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n";
        let fw = "framework:\n  id: fw-x\n  title: X\n  edition: '1'\n  publisher: P\nrequirements:\n  - id: R1\n    title: One\n    status: automatic\n    checks: [{ check: a.b, why: w }]\n  - id: R2\n    title: Two\n    status: manual\n    question: q\n  - id: R3\n    title: Three\n    status: partial\n    question: q\n    checks: [{ check: a.b, reason: w }]\n";
        let profile = "id: p\ntitle: P\ndescription: d\nframeworks: [fw-x]\n";
        let err = Catalogue::load(vec![(
            "t".into(),
            vec![
                src("checks/a.yaml", check),
                src("frameworks/x.yaml", fw),
                src("profiles/p.yaml", profile),
            ],
        )])
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 2, "{text}");
        assert!(text.contains("x.yaml:9:"), "{text}");
        assert!(text.contains("automatic"), "{text}");
        assert!(text.contains("requirement R3"), "{text}");
        assert!(text.contains("reason"), "{text}");
        // The broken framework is not reported again as unknown by the profile.
        assert!(!text.contains("unknown framework"), "{text}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let a = "- id: a.b\n  title: t\n  severity: severe\n  test: { package: { name: x, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n";
        let b = "- id: c.d\n  title: t\n  severity: high\n  test: { sshd: { key: X } }\n  rationale: r\n  remediation: { steps: s }\n  fixtures: { pass: [nope] }\n";
        let err = Catalogue::load(vec![(
            "t".into(),
            vec![src("checks/a.yaml", a), src("checks/b.yaml", b)],
        )])
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("test:checks/a.yaml:3"), "{text}");
        assert!(text.contains("no comparison given"), "{text}");
        assert!(text.contains("fixture \"nope\" does not exist"), "{text}");
    }

    #[test]
    fn line_values_masks_and_title_placeholders_are_validated() {
        let check = |title: &str, test: &str| {
            format!(
                "- id: a.b\n  title: {title}\n  severity: low\n  test: {test}\n  rationale: r\n  remediation: {{ steps: s }}\n"
            )
        };
        let cases = [
            (
                check("t", "{ lines: { path: /f, matches: 'minlen=([0-9]+)', expect: present, value: { at_least: 1 } } }"),
                "capture group named `value`",
            ),
            (
                check("t", "{ lines: { path: /f, matches: 'x', expect: satisfied } }"),
                "needs a `value` comparison",
            ),
            (
                check("t", "{ lines: { path: /f, matches: '(?P<value>x)', expect: absent, value: { equals: x } } }"),
                "cannot be combined with `expect: absent`",
            ),
            (
                check("t", "{ login_defs: { key: UMASK, bits_set: \"0x17\" } }"),
                "not an octal mask",
            ),
            (
                check("within {limit} s", "{ package: { name: x, installed: false } }"),
                "the title names {limit}",
            ),
            (
                check("t", "{ lines: { path: /f, matches: 'minlen=([0-9]+', expect: present } }"),
                "invalid regular expression",
            ),
            (
                check("t", "{ sshd: { key: Ciphers, matches: '[z-a]' } }"),
                "invalid regular expression",
            ),
        ];
        for (yaml, want) in cases {
            let err = Catalogue::load(vec![("t".into(), vec![src("checks/a.yaml", &yaml)])])
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{want}: {err}");
        }
    }

    #[test]
    fn a_scan_load_skips_fixture_content_but_not_fixture_names() {
        let check = |fixture: &str| {
            format!(
                "- id: a.b\n  title: t\n  severity: low\n  test: {{ package: {{ name: x, installed: false }} }}\n  rationale: r\n  remediation: {{ steps: s }}\n  fixtures: {{ pass: [{fixture}] }}\n"
            )
        };
        // A fixture whose content is invalid: the full load reports it, a scan load does not
        // read it, and both know its name and hash it.
        let sets = |fixture_ref: &str| {
            vec![(
                "t".to_string(),
                vec![
                    src("checks/a.yaml", &check(fixture_ref)),
                    src("fixtures/present.yaml", "description: d\nnot_a_key: 1\n"),
                ],
            )]
        };
        let full = Catalogue::load(sets("present")).unwrap_err().to_string();
        assert!(full.contains("not_a_key"), "{full}");
        let scan = Catalogue::load_for_scan(sets("present")).expect("scan load");
        assert!(scan.fixtures.is_empty());
        assert_eq!(scan.checks.len(), 1);
        // A check naming a fixture that has no file is an error either way.
        let missing = Catalogue::load_for_scan(sets("absent"))
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("fixture \"absent\" does not exist"),
            "{missing}"
        );
        // Fixture files count in the digest of both loads.
        let builtin = Catalogue::builtin().expect("builtin");
        let for_scan = Catalogue::builtin_for_scan().expect("builtin for scan");
        assert_eq!(builtin.digest, for_scan.digest);
        assert_eq!(builtin.checks.len(), for_scan.checks.len());
        assert!(!builtin.fixtures.is_empty());
    }
}
