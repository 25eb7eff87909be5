//! Control catalogues: loading, validating and planning from YAML.
//!
//! A catalogue has three layers (DESIGN.md): technical checks (`checks/*.yaml`), one file
//! per framework edition mapping its requirements to checks (`frameworks/*.yaml`), and
//! profiles selecting checks and frameworks for a purpose (`profiles/*.yaml`). Fixtures
//! (`fixtures/*.yaml`) are small fake hosts each check is proven against.
//!
//! Loading never stops at the first problem: every file is parsed, every item validated, and
//! all problems come back together, each with file, line and column. The built-in catalogue
//! is compiled into the binary so `ward scan` works from any folder; `--catalogue DIR` adds
//! to it, and an item with the same id as a built-in one replaces it.

mod coverage;
pub mod fixtures;
mod lint;
mod load;
mod model;
mod plan;
mod select;
pub mod test;
mod validate;

use std::collections::BTreeMap;

pub use coverage::CoverageFigures;
pub use lint::lint;
pub use load::{
    builtin_data, builtin_sources, dir_sources, CatalogueError, Diagnostic, Replacement, SourceFile,
};
pub use model::{
    Check, CheckRef, Coverage, EditionChange, Expect, Family, FixtureCase, FixtureRefs, Framework,
    FrameworkInfo, FrameworkRef, Jurisdiction, OrgSize, ParamDecl, Profile, Remediation,
    Requirement, Severity,
};
pub use select::{id_matches, ParamSource, ParamUse, Selection};
pub use test::{ParamValue, Params, Test};
pub use validate::valid_id;

/// A loaded, validated catalogue. Never changed after loading.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Checks by id, in id order.
    pub checks: BTreeMap<String, Check>,
    /// Frameworks by id.
    pub frameworks: BTreeMap<String, Framework>,
    /// Profiles by id.
    pub profiles: BTreeMap<String, Profile>,
    /// Fixtures by name; empty when loaded with [`Catalogue::load_for_scan`].
    pub fixtures: BTreeMap<String, fixtures::Fixture>,
    /// SHA-256 over every source file's layer path and text, in path order.
    pub digest: String,
    /// Where the catalogue came from (`builtin`, directories).
    pub sources: Vec<String>,
    /// Items of a later source set that replaced an item with the same id from an earlier
    /// one (a `--catalogue` check replacing a built-in check), in load order.
    pub replaced: Vec<Replacement>,
}

impl Catalogue {
    /// Load the built-in catalogue only.
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Catalogue::load(vec![("builtin".to_string(), builtin_sources())])
    }

    /// The built-in catalogue without its fixtures (see [`Catalogue::load_for_scan`]).
    pub fn builtin_for_scan() -> Result<Catalogue, CatalogueError> {
        Catalogue::load_for_scan(vec![("builtin".to_string(), builtin_sources())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_without_problems() {
        if let Err(e) = Catalogue::builtin() {
            panic!("{e}");
        }
    }
}
