//! Renderers: JSON straight from the model, HTML and Markdown through tera templates.
//!
//! The default templates live in `report-templates/` and are compiled into the binary; a
//! `--templates DIR` holding `report.html.tera` and/or `report.md.tera` overrides them. HTML
//! is rendered with tera's autoescaping on, so a package or file named `<script>` stays text.
//! Markdown is not autoescaped: its template passes every value through the `md_*` filters
//! defined here ([`md_cell`], [`md_code`], [`md_prose`], [`md_url`]).
//!
//! Before a template runs, every string of the report has its control and bidi characters
//! replaced by visible escapes ([`super::neutralise`]), so no template, built-in or
//! override, can pass them through; JSON keeps the strings intact but writes DEL, C1 and
//! bidi characters as `\uXXXX` escapes (serde_json already escapes C0).
//!
//! A template is parsed only when its format is first rendered, so a JSON-only run parses
//! none; a template from `--templates DIR` is parsed at once, so a broken override is
//! reported before any report is written.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use tera::Value;

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
    /// Whether the format renders through a tera template (HTML, Markdown), not serde.
    pub fn is_templated(self) -> bool {
        self != Format::Json
    }

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
    html: Template,
    md: Template,
}

/// One template, parsed into its own tera instance on first use.
struct Template {
    /// Tera name; autoescaping is on for names ending in `.html`.
    name: &'static str,
    /// Built-in text, or `None` when an override was parsed in [`Renderer::new`].
    builtin: Option<&'static str>,
    /// The parsed template, or the parse error message.
    parsed: OnceLock<Result<tera::Tera, String>>,
}

impl Template {
    fn builtin(name: &'static str, text: &'static str) -> Template {
        Template {
            name,
            builtin: Some(text),
            parsed: OnceLock::new(),
        }
    }

    fn parsed(name: &'static str, tera: tera::Tera) -> Template {
        Template {
            name,
            builtin: None,
            parsed: OnceLock::from(Ok(tera)),
        }
    }

    fn tera(&self) -> Result<&tera::Tera, RenderError> {
        let parsed = self.parsed.get_or_init(|| {
            let text = self.builtin.unwrap_or_default();
            parse(self.name, text).map_err(|e| message(&e))
        });
        parsed.as_ref().map_err(|message| RenderError::Template {
            name: self.name.to_string(),
            message: message.clone(),
        })
    }
}

/// tera's message with the useful detail it nests in its source chain.
fn message(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

fn tera_err(name: &str, e: &tera::Error) -> RenderError {
    RenderError::Template {
        name: name.to_string(),
        message: message(e),
    }
}

/// A tera instance holding one template, with Ward's filters registered.
fn parse(name: &'static str, text: &str) -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.register_filter("md_cell", md_cell_filter);
    tera.register_filter("md_code", md_code_filter);
    tera.register_filter("md_prose", md_prose_filter);
    tera.register_filter("md_url", md_url_filter);
    // Words and badges for outcomes and statuses, in Rust rather than template macros: a
    // report with eight frameworks calls them thousands of times.
    tera.register_filter("outcome_word", outcome_word_filter);
    tera.register_filter("counts_words", counts_words_filter);
    tera.register_filter("outcome_label", outcome_label_filter);
    tera.register_filter("status_label", status_label_filter);
    tera.register_filter("outcome_badge", Badge(outcome_badge));
    tera.register_filter("status_badge", Badge(status_badge));
    tera.add_raw_template(name, text)?;
    Ok(tera)
}

impl Renderer {
    /// A renderer with the built-in templates, overridden by those in `dir` if given.
    ///
    /// Overrides are read and parsed here, so a missing or broken one is an error now;
    /// built-in templates are parsed when their format is first rendered.
    pub fn new(dir: Option<&Path>) -> Result<Renderer, RenderError> {
        let mut html = Template::builtin("report.html", HTML_TEMPLATE);
        let mut md = Template::builtin("report.md", MD_TEMPLATE);
        if let Some(dir) = dir {
            for (file, slot) in [("report.html.tera", &mut html), ("report.md.tera", &mut md)] {
                let p = dir.join(file);
                if p.exists() {
                    let text = std::fs::read_to_string(&p).map_err(|source| RenderError::Io {
                        path: p.display().to_string(),
                        source,
                    })?;
                    let tera = parse(slot.name, &text).map_err(|e| tera_err(file, &e))?;
                    *slot = Template::parsed(slot.name, tera);
                }
            }
        }
        Ok(Renderer { html, md })
    }

    /// Render the report in one format.
    pub fn render(&self, report: &Report, format: Format) -> Result<String, RenderError> {
        match format {
            Format::Json => Ok(json_ascii_controls(serde_json::to_string_pretty(report)?) + "\n"),
            Format::Html => Self::template(&self.html, report),
            Format::Markdown => Self::template(&self.md, report),
        }
    }

    fn template(template: &Template, report: &Report) -> Result<String, RenderError> {
        Self::template_with(template, &Self::context(report)?)
    }

    /// The context every template renders from. Every string a template sees is neutralised
    /// first, so no template (a built-in one or a `--templates` override) can pass a control
    /// or bidi character through.
    fn context(report: &Report) -> Result<tera::Context, RenderError> {
        let mut value = serde_json::to_value(report)?;
        super::neutralise_value(&mut value);
        tera::Context::from_value(value).map_err(|e| tera_err("report", &e))
    }

    fn template_with(template: &Template, ctx: &tera::Context) -> Result<String, RenderError> {
        let name = template.name;
        let tera = template.tera()?;
        tera.render(name, ctx).map_err(|e| tera_err(name, &e))
    }

    /// Parse the templates of these formats now (they are otherwise parsed when first
    /// rendered). A scan calls this on a second thread while it loads the catalogue and
    /// collects, so the parse costs no wall time; a parse error is kept and reported by
    /// [`Renderer::render`].
    pub fn prepare(&self, formats: &[Format]) {
        for f in formats {
            let _ = match f {
                Format::Html => self.html.tera().map(drop),
                Format::Markdown => self.md.tera().map(drop),
                Format::Json => Ok(()),
            };
        }
    }

    /// Render the report in several formats, in the order given: the template context is
    /// built once, and each templated format (HTML, Markdown) renders on its own thread.
    pub fn render_all(
        &self,
        report: &Report,
        formats: &[Format],
    ) -> Result<Vec<(Format, String)>, RenderError> {
        self.render_each(report, formats, &|f, text| Ok((f, text)))
    }

    /// [`Renderer::render_all`], handing each text to `sink` as soon as it is rendered (on
    /// the thread that rendered it), so writing one report overlaps rendering the others.
    /// Returns what `sink` returned, in the order of `formats`; the first error stops there.
    ///
    /// JSON starts first (it needs no template context); the context is then built once,
    /// and every templated format but the last renders on its own thread, the last on this
    /// one. Without threads, everything renders here in turn.
    pub fn render_each<T: Send, E: From<RenderError> + Send>(
        &self,
        report: &Report,
        formats: &[Format],
        sink: &(dyn Fn(Format, String) -> Result<T, E> + Sync),
    ) -> Result<Vec<T>, E> {
        let render_plain = |f: Format| -> Result<T, E> { sink(f, self.render(report, f)?) };
        let render_templated = |f: Format, ctx: &tera::Context| -> Result<T, E> {
            let text = match f {
                Format::Html => Self::template_with(&self.html, ctx),
                Format::Markdown => Self::template_with(&self.md, ctx),
                Format::Json => self.render(report, f),
            }?;
            sink(f, text)
        };
        std::thread::scope(|scope| {
            let mut results: Vec<Option<Result<T, E>>> = formats.iter().map(|_| None).collect();
            let mut jobs = Vec::new();
            for (i, &f) in formats.iter().enumerate() {
                if !f.is_templated() {
                    match spawn_or_run(scope, move || render_plain(f)) {
                        Job::Thread(handle) => jobs.push((i, handle)),
                        Job::Done(r) => results[i] = Some(r),
                    }
                }
            }
            let wanted: Vec<(usize, Format)> = formats
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, f)| f.is_templated())
                .collect();
            if let Some((&(last_i, last_f), others)) = wanted.split_last() {
                let ctx = match Self::context(report) {
                    Ok(ctx) => ctx,
                    Err(e) => return Err(E::from(e)),
                };
                let ctx = &ctx;
                // A scope of its own: these threads borrow the context.
                std::thread::scope(|inner| {
                    let mut inner_jobs = Vec::new();
                    for &(i, f) in others {
                        match spawn_or_run(inner, move || render_templated(f, ctx)) {
                            Job::Thread(handle) => inner_jobs.push((i, handle)),
                            Job::Done(r) => results[i] = Some(r),
                        }
                    }
                    results[last_i] = Some(render_templated(last_f, ctx));
                    for (i, handle) in inner_jobs {
                        results[i] = Some(join(handle));
                    }
                });
            }
            for (i, handle) in jobs {
                results[i] = Some(join(handle));
            }
            results.into_iter().flatten().collect::<Result<Vec<T>, E>>()
        })
    }
}

/// A job that runs on its own scoped thread, or already ran here because no thread could
/// be started.
enum Job<'scope, T> {
    Thread(std::thread::ScopedJoinHandle<'scope, T>),
    Done(T),
}

fn spawn_or_run<'scope, 'env, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    job: impl FnOnce() -> T + Send + Copy + 'scope,
) -> Job<'scope, T> {
    match std::thread::Builder::new()
        .name("ward-render".into())
        .spawn_scoped(scope, job)
    {
        Ok(handle) => Job::Thread(handle),
        Err(_) => Job::Done(job()),
    }
}

/// The result of a render thread; a panic there is re-raised here.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// JSON text with the characters serde_json leaves raw but a reader's terminal or editor
/// would act on (DEL, C1 controls, bidi controls) written as `\uXXXX` escapes. They can
/// only occur inside strings, so the JSON means exactly the same.
fn json_ascii_controls(json: String) -> String {
    if !super::has_neutralisable(&json) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // C0 controls inside strings are already escaped by serde_json; outside strings
        // only `\n` and spaces occur.
        if super::needs_neutralising(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Markdown for text in a table cell or on one line: backslash, `&`, `<`, `|`, `[`, `]` and
/// backticks are escaped, so host data cannot open raw HTML, a link, an image or a code
/// span, or split a table cell; CR and LF become spaces. GitHub-flavoured Markdown also
/// turns bare `http://`, `https://`, `www.` addresses and e-mail addresses into links; the
/// `:` of `://`, `mailto:` and `xmpp:`, the `.` after `www` and every `@` are
/// backslash-escaped so no link is made from host data.
pub fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let chars: Vec<char> = s.chars().collect();
    let ends_with = |i: usize, word: &str| -> bool {
        let n = word.chars().count();
        i >= n
            && chars[i - n..i]
                .iter()
                .zip(word.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
    };
    for (i, &c) in chars.iter().enumerate() {
        match c {
            ':' if chars.get(i + 1..i + 3) == Some(&['/', '/'][..])
                || ends_with(i, "mailto")
                || ends_with(i, "xmpp") =>
            {
                out.push_str("\\:")
            }
            '.' if ends_with(i, "www") => out.push_str("\\."),
            '@' => out.push_str("\\@"),
            '\\' => out.push_str("\\\\"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '|' => out.push_str("\\|"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '`' => out.push_str("\\`"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Markdown for a value shown as code (a path, an observed or expected value): a code span
/// with `|` escaped (for tables) and CR and LF as spaces. An empty value is `(empty)`; a
/// value holding a backtick cannot sit safely in a code span and is shown as [`md_cell`].
pub fn md_code(s: &str) -> String {
    if s.is_empty() {
        return "(empty)".to_string();
    }
    if s.contains('`') {
        return md_cell(s);
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('`');
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

/// Markdown for multi-line catalogue prose: `&` and `<` are escaped so no raw HTML gets
/// through; line breaks are kept, each followed by `indent` (to stay inside a list item).
pub fn md_prose(s: &str, indent: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '\n' => {
                out.push('\n');
                out.push_str(indent);
            }
            c => out.push(c),
        }
    }
    out
}

/// A Markdown link destination for `url`, or an empty string unless it is an `http://` or
/// `https://` URL. Characters that could end the destination or the link, or start markup
/// (space, `<`, `>`, brackets, parentheses, `|`, backticks, quotes, backslash), and
/// control characters are percent-encoded.
pub fn md_url(url: &str) -> String {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return String::new();
    }
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if c.is_control() || " <>()[]|`\"'\\".contains(c) {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The string a filter was applied to; numbers and booleans as written.
fn filter_input<'a>(filter: &str, value: &'a Value) -> tera::Result<Cow<'a, str>> {
    match value {
        Value::String(s) => Ok(Cow::Borrowed(s)),
        Value::Number(n) => Ok(Cow::Owned(n.to_string())),
        Value::Bool(b) => Ok(Cow::Owned(b.to_string())),
        other => Err(tera::Error::msg(format!(
            "filter `{filter}` expects a string, got {other}"
        ))),
    }
}

fn md_cell_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(md_cell(&filter_input("md_cell", value)?)))
}

fn md_code_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(md_code(&filter_input("md_code", value)?)))
}

fn md_prose_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let indent = match args.get("indent") {
        None => "",
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(tera::Error::msg(format!(
                "filter `md_prose`: `indent` must be a string, got {other}"
            )))
        }
    };
    Ok(Value::String(md_prose(
        &filter_input("md_prose", value)?,
        indent,
    )))
}

fn md_url_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(md_url(&filter_input("md_url", value)?)))
}

/// Outcomes in the order reports list them.
const OUTCOME_ORDER: [&str; 7] = [
    "fail",
    "error",
    "pass",
    "not_applicable",
    "manual",
    "attested",
    "waived",
];

/// `not applicable` for `not_applicable`, the outcome itself otherwise.
fn outcome_word(o: &str) -> &str {
    if o == "not_applicable" {
        "not applicable"
    } else {
        o
    }
}

fn as_str<'a>(value: &'a Value, filter: &str) -> tera::Result<&'a str> {
    value
        .as_str()
        .ok_or_else(|| tera::Error::msg(format!("{filter}: expected a string, got {value}")))
}

fn outcome_word_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    Ok(Value::String(
        outcome_word(as_str(value, "outcome_word")?).to_string(),
    ))
}

/// `{"fail": 1, "pass": 2}` as `1 fail, 2 pass`, in report order, outcomes with no count
/// left out.
fn counts_words_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let counts = value.as_object().ok_or_else(|| {
        tera::Error::msg(format!("counts_words: expected an object, got {value}"))
    })?;
    let mut out = String::new();
    for o in OUTCOME_ORDER {
        let n = counts.get(o).and_then(Value::as_u64).unwrap_or(0);
        if n > 0 {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&format!("{n} {}", outcome_word(o)));
        }
    }
    Ok(Value::String(out))
}

/// The Markdown label of an outcome (`✗ FAIL`).
fn outcome_label_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let o = as_str(value, "outcome_label")?;
    Ok(Value::String(match o {
        "fail" => "✗ FAIL".to_string(),
        "error" => "⚠ ERROR".to_string(),
        "pass" => "✓ PASS".to_string(),
        "not_applicable" => "– N/A".to_string(),
        "manual" => "✎ MANUAL".to_string(),
        "attested" => "☑ ATTESTED".to_string(),
        "waived" => "⊘ WAIVED".to_string(),
        other => md_cell(other),
    }))
}

/// The Markdown label of a requirement status (`✓ Met`).
fn status_label_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let s = as_str(value, "status_label")?;
    Ok(Value::String(match s {
        "met" => "✓ Met".to_string(),
        "not_met" => "✗ Not met".to_string(),
        "unknown" => "? Unknown".to_string(),
        "needs_attestation" => "✎ Needs attestation".to_string(),
        "attested" => "☑ Attested".to_string(),
        "not_applicable" => "– Not applicable".to_string(),
        other => md_cell(other),
    }))
}

/// An HTML badge filter: its output is markup built from fixed strings and the escaped
/// value, so tera must not escape it again.
struct Badge(fn(&str) -> String);

impl tera::Filter for Badge {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        Ok(Value::String((self.0)(as_str(value, "badge")?)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

fn outcome_badge(o: &str) -> String {
    let (class, text) = match o {
        "fail" => ("o-fail", "&#x2717; Fail"),
        "error" => ("o-error", "&#x26A0; Error"),
        "pass" => ("o-pass", "&#x2713; Pass"),
        "not_applicable" => ("o-not_applicable", "&#x2013; Not applicable"),
        "manual" => ("o-manual", "&#x270E; Manual"),
        "attested" => ("o-attested", "&#x2611; Attested"),
        "waived" => ("o-waived", "&#x2298; Waived"),
        other => return format!("<span class=\"badge\">{}</span>", tera::escape_html(other)),
    };
    format!("<span class=\"badge {class}\">{text}</span>")
}

fn status_badge(s: &str) -> String {
    let (class, text) = match s {
        "met" => ("s-met", "&#x2713; Met"),
        "not_met" => ("s-not_met", "&#x2717; Not met"),
        "unknown" => ("s-unknown", "? Unknown"),
        "needs_attestation" => ("s-needs_attestation", "&#x270E; Needs attestation"),
        "attested" => ("s-attested", "&#x2611; Attested"),
        "not_applicable" => ("s-not_applicable", "&#x2013; Not applicable"),
        other => return format!("<span class=\"badge\">{}</span>", tera::escape_html(other)),
    };
    format!("<span class=\"badge {class}\">{text}</span>")
}
