//! Embeds the built-in catalogue (`controls/`) into the binary, so `ward scan` works from
//! any folder without the source tree, and parses its checks, frameworks and profiles once,
//! here, so a scan does not spend most of its time in a YAML parser.
//!
//! The catalogue's shape (`src/catalogue/model.rs`, `src/catalogue/test.rs` and the words
//! they share with the collectors, `src/vocab.rs`) is compiled into this script as well, so
//! the YAML is read by exactly the types and the YAML crate the loader uses. Each parsed file
//! is written as JSON (items with their line and column) beside the embedded texts; the
//! loader deserialises that instead of the YAML and still validates, hashes and reports
//! as before. A file that does not parse is left out, and the loader parses its YAML at run
//! time and reports the problem with its place as for any catalogue.

use std::fmt::Write as _;
use std::path::Path;

// The catalogue's shape, shared with the library. Only deserialisation is used here.
#[allow(dead_code, unused_imports)]
#[path = "src/vocab.rs"]
mod vocab;

#[allow(dead_code, unused_imports)]
#[path = "src/catalogue/test.rs"]
mod test;

#[allow(dead_code, unused_imports)]
#[path = "src/catalogue/model.rs"]
mod model;

fn main() {
    // Read at run time: a build script compiled for one checkout (a copied target directory)
    // must still embed the catalogue of the checkout being built.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("controls");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("[\n");
    for rel in &files {
        println!("cargo:rerun-if-changed={}", root.join(rel).display());
        let abs = root.join(rel);
        writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .unwrap();
    }
    out.push(']');
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let dest = Path::new(&out_dir).join("builtin_catalogue.rs");
    std::fs::write(dest, out).expect("writing the embedded catalogue list");
    // The digest of the built-in set, as the loader computes it (layer path, NUL, text,
    // NUL for each file in path order), so a scan does not hash 3 MB of YAML every run.
    let digest = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for rel in &files {
            let text = std::fs::read_to_string(root.join(rel)).expect("reading a catalogue file");
            h.update(rel.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.update([0]);
        }
        h.finalize().iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    };
    std::fs::write(Path::new(&out_dir).join("builtin_digest.txt"), digest)
        .expect("writing the built-in catalogue digest");
    let parsed = parse_all(&root, &files);
    std::fs::write(Path::new(&out_dir).join("builtin_parsed.json"), parsed)
        .expect("writing the parsed built-in catalogue");
}

/// The checks, frameworks and profiles of the built-in catalogue, parsed, as one JSON object
/// keyed by layer-relative path. Fixtures are not included: scans never read them, and the
/// self-test parses them from the YAML.
fn parse_all(root: &Path, files: &[String]) -> String {
    use serde_saphyr::Spanned;
    let mut all = serde_json::Map::new();
    for rel in files {
        let Ok(text) = std::fs::read_to_string(root.join(rel)) else {
            continue;
        };
        let at = |line: u64, column: u64, value: serde_json::Value| serde_json::json!({ "line": line, "column": column, "item": value });
        let layer = rel.split('/').next().unwrap_or("");
        let entry = match layer {
            "checks" => serde_saphyr::from_str::<Vec<Spanned<model::Check>>>(&text)
                .ok()
                .and_then(|items| {
                    let parsed: Option<Vec<_>> = items
                        .into_iter()
                        .map(|sp| {
                            let value = serde_json::to_value(&sp.value).ok()?;
                            Some(at(sp.referenced.line(), sp.referenced.column(), value))
                        })
                        .collect();
                    parsed.map(|p| serde_json::json!({ "checks": p }))
                }),
            "frameworks" => serde_saphyr::from_str::<Spanned<model::Framework>>(&text)
                .ok()
                .and_then(|sp| {
                    let value = serde_json::to_value(&sp.value).ok()?;
                    let item = at(sp.referenced.line(), sp.referenced.column(), value);
                    Some(serde_json::json!({ "framework": item }))
                }),
            "profiles" => serde_saphyr::from_str::<Spanned<model::Profile>>(&text)
                .ok()
                .and_then(|sp| {
                    let value = serde_json::to_value(&sp.value).ok()?;
                    let item = at(sp.referenced.line(), sp.referenced.column(), value);
                    Some(serde_json::json!({ "profile": item }))
                }),
            _ => None,
        };
        if let Some(entry) = entry {
            all.insert(rel.clone(), entry);
        }
    }
    serde_json::Value::Object(all).to_string()
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(base, &p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
            out.push(
                p.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}
