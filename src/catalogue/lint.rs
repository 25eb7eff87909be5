//! Style rules for `ward controls lint`.
//!
//! A catalogue that loads is valid; these rules go further and say what a good one also has
//! (fixtures both ways, a framework mapping, a remediation command for every platform family
//! the check applies to, short titles, no unused fixtures). They are advice for catalogue
//! authors, kept apart from the load-time rules that refuse a catalogue.

use super::{Catalogue, Family};

/// Style rules beyond validity, for `ward controls lint`: every check is proven by a pass
/// and a fail fixture, evidences at least one framework requirement, and gives a remediation
/// command for each family it applies to (`families`, else all) and for no other; every
/// fixture is used.
pub fn lint(cat: &Catalogue) -> Vec<String> {
    let mut out = Vec::new();
    for c in cat.checks.values() {
        if c.fixtures.pass.is_empty() || c.fixtures.fail.is_empty() {
            out.push(format!(
                "{}: check {} needs at least one pass and one fail fixture",
                c.origin, c.id
            ));
        }
        let maps = |f: &&super::Framework| {
            f.requirements
                .iter()
                .any(|r| r.checks.iter().any(|x| x.check == c.id))
        };
        let mapped = cat.frameworks.values().any(|f| maps(&f));
        if !mapped {
            out.push(format!(
                "{}: check {} evidences no framework requirement",
                c.origin, c.id
            ));
        }
        // Ward serves NHS organisations and US healthcare alike: each check should count
        // for the DSPT and for at least one US framework (when the catalogue has them).
        let dspt: Vec<_> = cat
            .frameworks
            .values()
            .filter(|f| f.framework.id.starts_with("dspt-"))
            .collect();
        if mapped && !dspt.is_empty() && !dspt.iter().any(maps) {
            out.push(format!(
                "{}: check {} is mapped by no requirement of the DSPT ({})",
                c.origin,
                c.id,
                dspt.iter()
                    .map(|f| f.framework.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let us: Vec<_> = cat
            .frameworks
            .values()
            .filter(|f| f.framework.jurisdiction == Some(super::model::Jurisdiction::Us))
            .collect();
        if mapped && !us.is_empty() && !us.iter().any(maps) {
            out.push(format!(
                "{}: check {} is mapped by no requirement of a US framework ({})",
                c.origin,
                c.id,
                us.iter()
                    .map(|f| f.framework.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let families = c.families();
        for f in &families {
            if !c.remediation.commands.contains_key(f.as_str()) {
                out.push(format!(
                    "{}: check {} applies to {f} hosts but has no `{f}` remediation command \
                     (write one, or leave {f} out of the check's `families` and say why)",
                    c.origin, c.id
                ));
            }
        }
        for key in c.remediation.commands.keys() {
            match Family::from_name(key) {
                None => out.push(format!(
                    "{}: check {} has a remediation command for `{key}`, which is no platform \
                     family (use {})",
                    c.origin,
                    c.id,
                    Family::ALL.map(Family::as_str).join(", ")
                )),
                Some(f) if !families.contains(&f) => out.push(format!(
                    "{}: check {} has a `{f}` remediation command but its `families` leave {f} out",
                    c.origin, c.id
                )),
                Some(_) => {}
            }
        }
        if c.title.ends_with('.') || c.title.chars().count() > 90 {
            out.push(format!(
                "{}: check {} title should be one short phrase without a full stop",
                c.origin, c.id
            ));
        }
    }
    for name in cat.fixtures.keys() {
        let used = cat.checks.values().any(|c| c.fixtures.uses(name))
            || cat
                .fixtures
                .values()
                .any(|f| f.extends.iter().any(|e| e == name));
        if !used {
            out.push(format!(
                "fixture {name}: used by no check and extended by no fixture"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::SourceFile;

    /// The remediation-command problems lint finds in one check file.
    fn command_problems(check: &str) -> Vec<String> {
        let f = SourceFile {
            name: "t:checks/t.yaml".into(),
            rel: "checks/t.yaml".into(),
            text: check.into(),
            builtin: false,
        };
        let cat = Catalogue::load(vec![("t".into(), vec![f])]).unwrap();
        lint(&cat)
            .into_iter()
            .filter(|p| p.contains("remediation command"))
            .collect()
    }

    const HEAD: &str = "- id: a.b\n  title: t\n  severity: low\n  test: { package: { name: x, installed: false } }\n  rationale: r\n";

    #[test]
    fn every_family_needs_a_command_unless_the_check_leaves_it_out() {
        let all = format!("{HEAD}  remediation:\n    steps: s\n    commands: {{ debian: d, rhel: r, alpine: a }}\n");
        assert_eq!(command_problems(&all), Vec::<String>::new());

        let no_alpine =
            format!("{HEAD}  remediation:\n    steps: s\n    commands: {{ debian: d, rhel: r }}\n");
        let p = command_problems(&no_alpine);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("applies to alpine hosts but has no `alpine`"),
            "{p:?}"
        );

        let declared = format!("{HEAD}  families: [debian, rhel]\n  remediation:\n    steps: s\n    commands: {{ debian: d, rhel: r }}\n");
        assert_eq!(command_problems(&declared), Vec::<String>::new());
    }

    #[test]
    fn commands_for_left_out_or_unknown_families_are_problems() {
        let extra = format!("{HEAD}  families: [debian]\n  remediation:\n    steps: s\n    commands: {{ debian: d, alpine: a, suse: z }}\n");
        let p = command_problems(&extra);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p.iter()
                .any(|m| m
                    .contains("`alpine` remediation command but its `families` leave alpine out")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|m| m.contains("`suse`, which is no platform family")),
            "{p:?}"
        );
    }

    #[test]
    fn families_must_be_known_non_empty_and_distinct() {
        for (families, message) in [
            ("[]", "`families` is empty"),
            ("[debian, debian]", "names debian twice"),
            ("[debian, suse]", "suse"),
        ] {
            let text = format!("{HEAD}  families: {families}\n  remediation: {{ steps: s }}\n");
            let f = SourceFile {
                name: "t:checks/t.yaml".into(),
                rel: "checks/t.yaml".into(),
                text,
                builtin: false,
            };
            let err = Catalogue::load(vec![("t".into(), vec![f])]).unwrap_err();
            assert!(err.to_string().contains(message), "{families}: {err}");
        }
    }
}
