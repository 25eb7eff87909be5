//! Ward: a compliance-audit scanner for healthcare IT.
//!
//! Ward collects a host's configuration and installed software, checks them against YAML
//! control catalogues modelled on the NHS Data Security and Protection Toolkit (DSPT) and
//! the HSCC 405(d) Health Industry Cybersecurity Practices (HICP), and renders reports an
//! auditor can read, an admin can act on and a regulator can verify.
//!
//! The pipeline runs one way: [`catalogue`] loads and validates the YAML controls and plans
//! what to collect; [`facts`] collects evidence from a [`host_root::HostRoot`]; [`eval`]
//! turns facts into findings and aggregates them per framework requirement; [`report`]
//! renders one report model as JSON, HTML and Markdown.

pub mod attest;
pub mod catalogue;
pub mod eval;
pub mod exec;
pub mod facts;
pub mod feeds;
pub mod fixture_host;
pub mod host_root;
pub mod output;
pub mod patterns;
pub mod report;
pub mod selftest;
pub mod version;
pub mod vocab;

use serde::{Deserialize, Serialize};

/// Name and version of the tool that produced a bundle or report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    /// This build of Ward.
    pub fn current() -> ToolInfo {
        ToolInfo {
            name: "ward".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}
