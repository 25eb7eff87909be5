//! Renderers: JSON straight from the model, HTML and Markdown through tera templates.
//!
//! The default templates live in `report-templates/` and are compiled into the binary; a
//! `--templates DIR` holding `report.html.tera` and/or `report.md.tera` overrides them. HTML
//! is rendered with tera's autoescaping on, so a package or file named `<script>` stays text.

use std::path::Path;

use super::Report;

/// Built-in HTML template.
pub const HTML_TEMPLATE: &str = include_str!("../../report-templates/report.html.tera");
/// Built-in Markdown template.
pub const MD_TEMPLATE: &str = include_str!("../../report-templates/report.md.tera");

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Html,
    Markdown,
    Json,
}

impl Format {
    /// The report file name of this format.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Html => "report.html",
            Format::Markdown => "report.md",
            Format::Json => "report.json",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(Format::Html),
            "md" | "markdown" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format {other:?}; use html, md or json")),
        }
    }
}

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("reading template {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("serialising the report: {0}")]
    Json(#[from] serde_json::Error),
}

/// Renders reports with the built-in templates or overrides.
pub struct Renderer {
    tera: tera::Tera,
}

fn tera_err(name: &str, e: &tera::Error) -> RenderError {
    // tera nests the useful message in its source chain.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    RenderError::Template {
        name: name.to_string(),
        message: msg,
    }
}

impl Renderer {
    /// A renderer with the built-in templates, overridden by those in `dir` if given.
    pub fn new(dir: Option<&Path>) -> Result<Renderer, RenderError> {
        let mut html = HTML_TEMPLATE.to_string();
        let mut md = MD_TEMPLATE.to_string();
        if let Some(dir) = dir {
            for (name, slot) in [("report.html.tera", &mut html), ("report.md.tera", &mut md)] {
                let p = dir.join(name);
                if p.exists() {
                    *slot = std::fs::read_to_string(&p).map_err(|source| RenderError::Io {
                        path: p.display().to_string(),
                        source,
                    })?;
                }
            }
        }
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(vec![("report.html", html), ("report.md", md)])
            .map_err(|e| tera_err("report templates", &e))?;
        tera.autoescape_on(vec![".html"]);
        Ok(Renderer { tera })
    }

    /// Render the report in one format.
    pub fn render(&self, report: &Report, format: Format) -> Result<String, RenderError> {
        match format {
            Format::Json => Ok(serde_json::to_string_pretty(report)? + "\n"),
            Format::Html => self.template("report.html", report),
            Format::Markdown => self.template("report.md", report),
        }
    }

    fn template(&self, name: &str, report: &Report) -> Result<String, RenderError> {
        let ctx = tera::Context::from_serialize(report).map_err(|e| tera_err(name, &e))?;
        self.tera.render(name, &ctx).map_err(|e| tera_err(name, &e))
    }
}
