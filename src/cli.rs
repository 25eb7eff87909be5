//! Command-line parsing and the commands behind it.
//!
//! Arguments are parsed by clap into plain structs, then turned into a catalogue, a
//! selection and a host root before any work starts, so usage and catalogue problems are
//! reported (exit 2) before anything is read from the host. Each command returns the exit
//! code: 0 when nothing failed at or above `--fail-on`, 1 when something did, 2 for usage,
//! catalogue or run errors (and for scans where some checks could not be evaluated and none
//! failed: "could not tell" is never reported as success).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use ward::catalogue::{dir_sources, Catalogue, Selection, Severity};
use ward::eval::Outcome;
use ward::facts::{self, Facts};
use ward::host_root::HostRoot;
use ward::output::{self, OutputDir};
use ward::report::render::{Format, Renderer};
use ward::report::{terminal, Report, Source};
use ward::selftest::{self, CaseStatus};

/// Default largest facts bundle `ward evaluate` reads (`--max-bundle-size`).
const DEFAULT_MAX_BUNDLE: u64 = 64 * 1024 * 1024;

const SCAN_EXAMPLES: &str = "\
Examples:
  ward scan                              scan this host; reports in ./ward-report/
  ward scan --root /mnt/image -o out     scan a mounted disk image
  ward scan --profile dspt-technical --fail-on high
  ward scan --framework dspt-caf-2024-25 --format json
  ward collect -o facts.json             collect only; `ward evaluate facts.json` elsewhere";

/// Ward: compliance-audit scanner for healthcare IT (NHS DSPT, HICP).
#[derive(Debug, Parser)]
#[command(name = "ward", version, about, long_about = None, after_help = SCAN_EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Collect facts from a host and evaluate them: `collect` then `evaluate`.
    #[command(after_help = SCAN_EXAMPLES)]
    Scan {
        #[command(flatten)]
        host: HostArgs,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        #[command(flatten)]
        select: SelectArgs,
        #[command(flatten)]
        feeds: FeedArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Collect facts from a host into a JSON bundle, without evaluating them.
    #[command(
        after_help = "Examples:\n  ward collect --output facts.json\n  ward collect --root /mnt/image --output - | ssh auditor 'cat > host1.json'"
    )]
    Collect {
        #[command(flatten)]
        host: HostArgs,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        #[command(flatten)]
        select: SelectArgs,
        /// Where to write the facts bundle (`-` for standard output).
        #[arg(long, short, default_value = "ward-facts.json")]
        output: PathBuf,
    },
    /// Evaluate a facts bundle written by `ward collect`, and write the reports.
    #[command(
        after_help = "Examples:\n  ward evaluate host1.json --output reports/host1\n  ward evaluate host1.json --framework dspt-caf-2024-25 --format json"
    )]
    Evaluate {
        /// The facts bundle (`-` for standard input).
        facts: PathBuf,
        /// Largest bundle read, in bytes; a larger one is refused before it is parsed.
        #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BUNDLE)]
        max_bundle_size: u64,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        #[command(flatten)]
        select: SelectArgs,
        #[command(flatten)]
        feeds: FeedArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Inspect, lint and test control catalogues.
    Controls {
        #[command(subcommand)]
        command: ControlsCommand,
    },
    /// List the frameworks with their coverage, show one, or write an attestation template.
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:\n  ward frameworks\n  ward frameworks show hicp-2023 --size medium\n  ward frameworks attest-template dspt-caf-2024-25 -o dspt-attestations.yaml"
    )]
    Frameworks {
        #[command(subcommand)]
        command: Option<FrameworksCommand>,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Manage vulnerability and end-of-life feeds (OSV, CISA KEV, endoflife.date).
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
}

#[derive(Debug, Subcommand)]
enum FeedsCommand {
    /// Import feeds from files: a directory of OSV records (searched for `*.json`), the
    /// KEV catalogue JSON, endoflife.date product files. Bad files are listed; the rest
    /// are imported.
    Import {
        /// A JSON file or a directory of them.
        path: PathBuf,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Download the feeds (CISA KEV, osv.dev archives, endoflife.date) and index them. A
    /// source that fails keeps its previous data; the reason is printed and the exit code
    /// is 1.
    Update {
        /// Download from here instead of the public sources (repeatable): KIND=URL, with
        /// KIND osv, kev or eol, and `#sha256=HEX` appended when the mirror publishes the
        /// digest the file must have.
        #[arg(long = "source", value_name = "KIND=URL", value_parser = ward::feeds::update::parse_source)]
        sources: Vec<ward::feeds::update::Source>,
        /// Seconds to wait for a connection.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
        connect_timeout: u64,
        /// Seconds a whole download may take.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=7200))]
        timeout: u64,
        /// Largest response accepted, in MiB.
        #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=8192))]
        max_size: u64,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Write the indexed feeds to one bundle file that `ward feeds import` reads on another
    /// machine (an air-gapped site), keeping each feed's source, date and digest.
    #[command(
        after_help = "Examples:\n  ward feeds export feeds.json\n  ward feeds export --kind kev,eol snapshot.json"
    )]
    Export {
        /// The bundle file to write.
        path: PathBuf,
        /// Which feeds to export (comma-separated): osv, kev, eol.
        #[arg(long, value_delimiter = ',', default_value = "osv,kev,eol",
              value_parser = ["osv", "kev", "eol"])]
        kind: Vec<String>,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Show each feed: source, date, age, records and digest.
    Status {
        /// A feed obtained more than this many days ago is reported as stale (exit code 1).
        #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
        max_age: u32,
        #[command(flatten)]
        data: DataDirArg,
    },
}

/// Feed data for judging installed software.
#[derive(Args, Debug)]
struct FeedArgs {
    /// Feed data directory (default: WARD_DATA_DIR, else /var/lib/ward for root,
    /// ~/.local/share/ward for others). Without feed data, Ward's embedded KEV and
    /// end-of-life snapshot is used and the vulnerability checks report `error`.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Feed data older than this many days is reported as stale.
    #[arg(long, value_name = "DAYS", default_value_t = ward::feeds::assess::DEFAULT_MAX_FEED_AGE,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    max_feed_age: u32,
    /// Judge end-of-life dates, patch deadlines and feed ages as of this day (YYYY-MM-DD)
    /// instead of today, e.g. to re-evaluate an old facts bundle as it stood then.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<jiff::civil::Date>,
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|e| format!("{s:?} is not a date (YYYY-MM-DD): {e}"))
}

impl FeedArgs {
    /// The feed data: the data directory's index and the embedded snapshot. A scan never
    /// fails for want of a data directory (no HOME under cron): the snapshot serves and the
    /// report says why.
    fn knowledge(&self) -> ward::feeds::knowledge::Knowledge {
        let k = match ward::feeds::data_dir(self.data_dir.as_deref()) {
            Ok(dir) => ward::feeds::knowledge::Knowledge::open(&dir),
            Err(e) => ward::feeds::knowledge::Knowledge::without_data_dir(e.to_string()),
        };
        // Listing the feeds decodes what the embedded snapshot contributes, here on the
        // feeds thread rather than later on the scan's; an error is reported by the
        // assessment, which asks again.
        let _ = k.feeds();
        k
    }
}

/// Judge the host's software with the feed data, today or on `--as-of`.
fn assess_software(
    facts: &Facts,
    knowledge: &ward::feeds::knowledge::Knowledge,
    args: &FeedArgs,
) -> Result<ward::feeds::assess::Software> {
    let map = ward::feeds::eol::builtin_map().map_err(anyhow::Error::msg)?;
    Ok(ward::feeds::assess::assess(
        facts,
        knowledge,
        &map,
        args.as_of.unwrap_or_else(ward::feeds::assess::today),
        args.max_feed_age,
    ))
}

#[derive(Args, Debug)]
struct DataDirArg {
    /// Feed data directory (default: WARD_DATA_DIR, else /var/lib/ward for root,
    /// ~/.local/share/ward for others).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum FrameworksCommand {
    /// List the frameworks: requirements automated / partial / manual and checks mapped.
    List {
        #[command(flatten)]
        catalogue: CatalogueArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print a framework's requirements: id, status, title and the checks behind each.
    Show {
        /// The framework id.
        id: String,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// Write an attestations file with every manual and partial requirement and its question.
    AttestTemplate {
        /// The framework id.
        id: String,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        catalogue: CatalogueArgs,
        /// Write to this file (refused if it exists) instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// The part of a framework to show: as a profile narrows it, or by size, level or group.
#[derive(Debug, Args)]
struct ScopeArgs {
    /// Narrow the framework as this profile does.
    #[arg(long, value_name = "PROFILE", conflicts_with_all = ["size", "level", "ig"])]
    profile: Option<String>,
    /// Only requirements for this organisation size (HICP).
    #[arg(long, value_enum)]
    size: Option<SizeArg>,
    /// Only requirements of this level (CMMC).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    level: Option<u8>,
    /// Only safeguards of implementation groups up to this one (CIS Controls).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    ig: Option<u8>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SizeArg {
    Small,
    Medium,
    Large,
}

impl ScopeArgs {
    fn scope(&self, cat: &Catalogue, id: &str) -> Result<ward::catalogue::FrameworkRef> {
        use ward::catalogue::{FrameworkRef, OrgSize};
        if !cat.frameworks.contains_key(id) {
            bail!(
                "unknown framework {id:?}; available: {}",
                cat.frameworks
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(p) = &self.profile {
            let Some(profile) = cat.profiles.get(p) else {
                bail!("unknown profile {p:?}");
            };
            return Ok(profile
                .frameworks
                .iter()
                .find(|f| f.id == id)
                .cloned()
                .unwrap_or_else(|| FrameworkRef::whole(id)));
        }
        Ok(FrameworkRef {
            id: id.to_string(),
            size: self.size.map(|s| match s {
                SizeArg::Small => OrgSize::Small,
                SizeArg::Medium => OrgSize::Medium,
                SizeArg::Large => OrgSize::Large,
            }),
            level: self.level,
            ig: self.ig,
        })
    }
}

#[derive(Subcommand, Debug)]
enum ControlsCommand {
    /// List the checks (id, severity, title).
    #[command(
        after_help = "Examples:\n  ward controls list\n  ward controls list --profile dspt-technical --json"
    )]
    List {
        #[command(flatten)]
        catalogue: CatalogueArgs,
        #[command(flatten)]
        select: SelectArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one check in full: test, rationale, remediation, fixtures, requirements.
    #[command(after_help = "Example:\n  ward controls show ssh.root-login")]
    Show {
        /// The check id.
        id: String,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// Load a catalogue directory with every validation and report all problems.
    #[command(
        after_help = "Examples:\n  ward controls lint            lint the built-in catalogue\n  ward controls lint ./controls lint a catalogue directory (on top of the built-in one)"
    )]
    Lint {
        /// Catalogue directory (with checks/, frameworks/, profiles/, fixtures/).
        dir: Option<PathBuf>,
        /// Lint the directory alone, without the built-in catalogue.
        #[arg(long)]
        no_builtin: bool,
    },
    /// Run every check against its pass and fail fixtures.
    #[command(after_help = "Examples:\n  ward controls test\n  ward controls test 'ssh.*'")]
    Test {
        /// Only checks whose id matches this pattern (`*` wildcards).
        pattern: Option<String>,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
}

#[derive(Debug, Args)]
struct HostArgs {
    /// Scan the host filesystem under DIR (a mounted image, a container export, a fixture)
    /// instead of the live host.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Largest host file Ward reads, in MiB; a larger one is an `error` naming it. Raise it
    /// for a host whose account databases are that large (a million-entry /etc/shadow is
    /// about 100 MiB).
    #[arg(long, value_name = "MIB", default_value_t = ward::host_root::DEFAULT_READ_CAP >> 20,
          value_parser = clap::value_parser!(u64).range(1..=4096))]
    max_file_size: u64,
}

#[derive(Debug, Args)]
struct CatalogueArgs {
    /// Add a catalogue directory (checks/, frameworks/, profiles/, fixtures/); items with a
    /// built-in id replace the built-in ones. Repeatable.
    #[arg(long = "catalogue", value_name = "DIR")]
    catalogues: Vec<PathBuf>,
    /// Do not load the built-in catalogue (use only --catalogue directories).
    #[arg(long)]
    no_builtin: bool,
}

#[derive(Debug, Args)]
struct SelectArgs {
    /// Use a profile (a selection of checks and frameworks), e.g. dspt-technical.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Report this framework (repeatable or comma-separated); narrows the checks to those
    /// it maps.
    #[arg(long = "framework", value_name = "ID", value_delimiter = ',')]
    frameworks: Vec<String>,
    /// Set a check parameter for this run (repeatable), overriding the profile and the
    /// default, e.g. `--param max_auth_tries=3`. `ward controls show ID` lists a check's
    /// parameters.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Answers to manual and partial framework requirements (YAML, repeatable); `ward
    /// frameworks attest-template ID` writes one to fill in. Expiry is judged today, or on
    /// `--as-of`.
    #[arg(long = "attestations", value_name = "FILE")]
    attestations: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// Report formats to write, comma-separated: html, md, json.
    #[arg(long, value_delimiter = ',', default_value = "html,md,json", value_parser = parse_format)]
    format: Vec<Format>,
    /// Directory for report.html, report.md and report.json; created if missing, else it must
    /// be a real directory (not a symlink) owned by you or root.
    #[arg(long, short, default_value = "ward-report", value_name = "DIR")]
    output: PathBuf,
    /// Directory with report.html.tera and/or report.md.tera overriding the built-in templates.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Exit 1 only when a check of at least this severity fails (default: any failure).
    #[arg(long, value_enum, default_value = "info", value_name = "SEVERITY")]
    fail_on: SeverityArg,
    /// Colour the terminal summary.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
    /// Print nothing on success (reports are still written).
    #[arg(long, short)]
    quiet: bool,
    /// Replace the host name and the scanned root path in every output with stable
    /// pseudonyms (for reports that leave the organisation).
    #[arg(long)]
    redact: bool,
}

impl OutputArgs {
    /// The formats asked for, each once, in a fixed order.
    fn formats(&self) -> Vec<Format> {
        let mut formats = self.format.clone();
        formats.sort();
        formats.dedup();
        formats
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Critical => Severity::Critical,
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Parse the command line and run it.
pub fn run() -> Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let code = if e.use_stderr() { 2 } else { 0 };
            e.print().context("writing usage")?;
            return Ok(ExitCode::from(code));
        }
    };
    match cli.command {
        Command::Scan {
            host,
            catalogue,
            select,
            feeds,
            output,
        } => {
            let renderer = Renderer::new(output.templates.as_deref())?;
            let formats = output.formats();
            std::thread::scope(|scope| {
                // Each template parses on a thread of its own while the catalogue loads and
                // the host is read; without a thread it parses when first rendered.
                let renderer = &renderer;
                for f in formats.iter().filter(|f| f.is_templated()) {
                    let _ = std::thread::Builder::new()
                        .name("ward-templates".into())
                        .spawn_scoped(scope, move || renderer.prepare(std::slice::from_ref(f)));
                }
                // The feed index is opened (and its digest checked) while the host is read.
                let knowledge = std::thread::Builder::new()
                    .name("ward-feeds".into())
                    .spawn_scoped(scope, || feeds.knowledge())
                    .context("starting a thread")?;
                let (cat, selection, facts, dir) = collect_facts(
                    &host,
                    &catalogue,
                    &select,
                    feeds.as_of,
                    Some(&output.output),
                )?;
                let dir = dir.context("no output directory")?;
                let knowledge = knowledge
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                let software = assess_software(&facts, &knowledge, &feeds)?;
                let code = finish(
                    &cat, &selection, &facts, software, &output, &dir, None, renderer,
                );
                exiting(knowledge);
                exiting(cat);
                exiting(facts);
                code
            })
        }
        Command::Collect {
            host,
            catalogue,
            select,
            output,
        } => {
            let to_stdout = output == Path::new("-");
            let (dir, name) = if to_stdout {
                (PathBuf::new(), String::new())
            } else {
                split_file(&output)?
            };
            let (_, _, facts, out_dir) = collect_facts(
                &host,
                &catalogue,
                &select,
                None,
                (!to_stdout).then_some(dir.as_path()),
            )?;
            let json = serde_json::to_string_pretty(&facts)? + "\n";
            match out_dir {
                None => std::io::stdout().write_all(json.as_bytes())?,
                Some(dir) => {
                    let written = dir.write(&name, json.as_bytes())?;
                    eprintln!("ward: facts written to {}", written.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate {
            facts,
            max_bundle_size,
            catalogue,
            select,
            feeds,
            output,
        } => {
            let renderer = Renderer::new(output.templates.as_deref())?;
            let cat = load_catalogue(&catalogue, false)?;
            let selection = select_checks(&cat, &select, feeds.as_of)?;
            let bytes = read_bundle(&facts, max_bundle_size)?;
            let digest = {
                use sha2::{Digest, Sha256};
                format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
            };
            let bundle: Facts = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a Ward facts bundle", facts.display()))?;
            drop(bytes);
            if bundle.schema_version != facts::FACTS_SCHEMA_VERSION {
                bail!(
                    "{}: facts bundle schema {} is not supported (this Ward reads {})",
                    facts.display(),
                    bundle.schema_version,
                    facts::FACTS_SCHEMA_VERSION
                );
            }
            let source = Source::bundle(digest, &bundle);
            let dir = open_output_dir(&output.output, None)?;
            let software = assess_software(&bundle, &feeds.knowledge(), &feeds)?;
            finish(
                &cat,
                &selection,
                &bundle,
                software,
                &output,
                &dir,
                Some(source),
                &renderer,
            )
        }
        Command::Controls { command } => controls(command),
        Command::Frameworks {
            command,
            catalogue,
            json,
        } => frameworks(command.unwrap_or(FrameworksCommand::List { catalogue, json })),
        Command::Feeds { command } => feeds(command),
    }
}

fn feeds(cmd: FeedsCommand) -> Result<ExitCode> {
    use ward::feeds::{data_dir, import, index};
    let mut out = std::io::stdout().lock();
    match cmd {
        FeedsCommand::Import { path, data } => {
            let dir = data_dir(data.data_dir.as_deref())?;
            let report = import::import(&dir, &path)?;
            writeln!(
                out,
                "Imported into {}: {} OSV record(s), {} KEV entr{}, {} endoflife.date product(s)",
                dir.display(),
                report.osv,
                report.kev,
                if report.kev == 1 { "y" } else { "ies" },
                report.eol
            )?;
            for (file, why) in &report.rejected {
                writeln!(out, "  not imported: {}: {why}", file.display())?;
            }
            Ok(if report.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        FeedsCommand::Update {
            sources,
            connect_timeout,
            timeout,
            max_size,
            data,
        } => {
            use ward::feeds::update::{self, Limits, Outcome};
            let dir = data_dir(data.data_dir.as_deref())?;
            let sources = if sources.is_empty() {
                update::default_sources()
            } else {
                sources
            };
            let limits = Limits {
                connect_timeout: std::time::Duration::from_secs(connect_timeout),
                timeout: std::time::Duration::from_secs(timeout),
                max_bytes: max_size << 20,
            };
            // A progress bar on a terminal only; nothing when piped or logged.
            let bar = if std::io::stderr().is_terminal() {
                indicatif::ProgressBar::new(sources.len() as u64)
            } else {
                indicatif::ProgressBar::hidden()
            };
            let results = update::update(&dir, &sources, &limits, &|s, _| {
                bar.set_message(s.url.clone());
                bar.inc(1);
            })?;
            bar.finish_and_clear();
            let mut failed = false;
            for (s, outcome) in &results {
                match outcome {
                    Outcome::Updated { records, rejected } => writeln!(
                        out,
                        "{:4} {}: {records} record(s){}",
                        s.kind,
                        s.url,
                        if *rejected > 0 {
                            format!(", {rejected} file(s) not imported")
                        } else {
                            String::new()
                        }
                    )?,
                    Outcome::NotModified => writeln!(out, "{:4} {}: not modified", s.kind, s.url)?,
                    Outcome::Failed(why) => {
                        failed = true;
                        writeln!(
                            out,
                            "{:4} {}: NOT UPDATED ({why}); the previous data is kept",
                            s.kind, s.url
                        )?
                    }
                }
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        FeedsCommand::Export { path, kind, data } => {
            let dir = data_dir(data.data_dir.as_deref())?;
            let Some(idx) = index::Index::open_checked(&dir)? else {
                bail!(
                    "no feeds in {}: run `ward feeds update` or `ward feeds import` first",
                    dir.display()
                );
            };
            let kinds: Vec<&str> = kind.iter().map(String::as_str).collect();
            let bundle = ward::feeds::bundle::Bundle::export(&idx, &kinds)?;
            let json = serde_json::to_vec(&bundle)?;
            let (parent, name) = split_file(&path)?;
            let tmp = tempfile::Builder::new()
                .prefix(&format!(".{name}."))
                .tempfile_in(&parent)
                .with_context(|| format!("writing into {}", parent.display()))?;
            std::fs::write(tmp.path(), &json)
                .with_context(|| format!("writing {}", tmp.path().display()))?;
            // Feed data is public: readable by whoever carries it to the other machine.
            std::fs::set_permissions(
                tmp.path(),
                std::os::unix::fs::PermissionsExt::from_mode(0o644),
            )
            .with_context(|| format!("writing {}", tmp.path().display()))?;
            tmp.persist(&path)
                .with_context(|| format!("writing {}", path.display()))?;
            writeln!(
                out,
                "Exported to {}: {} OSV record(s), {} KEV entr{}, {} endoflife.date product(s) ({} bytes)",
                path.display(),
                bundle.osv.len(),
                bundle.kev.as_ref().and_then(|k| k["vulnerabilities"].as_array().map(Vec::len)).unwrap_or(0),
                if bundle.kev.as_ref().and_then(|k| k["vulnerabilities"].as_array().map(Vec::len)) == Some(1) { "y" } else { "ies" },
                bundle.eol.len(),
                json.len()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        FeedsCommand::Status { max_age, data } => {
            let dir = data_dir(data.data_dir.as_deref())?;
            let Some(idx) = index::Index::open_checked(&dir)? else {
                writeln!(
                    out,
                    "No feeds in {}: run `ward feeds update` or `ward feeds import`.",
                    dir.display()
                )?;
                return Ok(ExitCode::from(1));
            };
            let now = jiff::Timestamp::now();
            let mut stale = false;
            for f in idx.feeds()? {
                let obtained = ward::feeds::age_days(&f.updated_at, now);
                let freshness = match obtained {
                    Some(days) if days > i64::from(max_age) => {
                        stale = true;
                        format!("STALE: obtained {days} days ago, over the {max_age}-day limit")
                    }
                    Some(days) => format!("obtained {days} days ago"),
                    None => {
                        stale = true;
                        "STALE: time obtained unknown".to_string()
                    }
                };
                writeln!(
                    out,
                    "{:4} {} records, dated {}, {freshness}, from {}, sha256 {}",
                    f.kind,
                    f.records,
                    if f.date.is_empty() { "-" } else { &f.date },
                    f.source,
                    if f.sha256.is_empty() { "-" } else { &f.sha256 }
                )?;
            }
            Ok(if stale {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Load the catalogue, select checks, open the root and the output directory, and collect:
/// everything a scan or a collection does before evaluation. Usage, catalogue and output
/// problems surface before any host read.
fn collect_facts(
    host: &HostArgs,
    catalogue: &CatalogueArgs,
    select: &SelectArgs,
    as_of: Option<jiff::civil::Date>,
    out_dir: Option<&Path>,
) -> Result<(Catalogue, Selection, Facts, Option<OutputDir>)> {
    let cat = load_catalogue(catalogue, false)?;
    let selection = select_checks(&cat, select, as_of)?;
    let root = host_root(host)?;
    let out = match out_dir {
        Some(dir) => {
            // Checked before the directory is created, and again on the opened directory.
            output::refuse_inside_root(root.base(), dir)?;
            Some(open_output_dir(dir, Some(&root))?)
        }
        None => None,
    };
    // Collect what the whole catalogue can use, not only the selection: a bundle must serve
    // any later `evaluate` with another profile.
    let facts = facts::collect(&root, &cat.plan(cat.checks.values()));
    Ok((cat, selection, facts, out))
}

/// The directory and file name of an output file.
fn split_file(path: &Path) -> Result<(PathBuf, String)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n != "..")
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok((dir.to_path_buf(), name))
}

/// Create or check an output directory, and check again, on the opened directory itself,
/// that it is not inside the scanned root.
fn open_output_dir(dir: &Path, root: Option<&HostRoot>) -> Result<OutputDir> {
    let out = OutputDir::open(dir)?;
    if let Some(root) = root {
        output::refuse_inside_root(root.base(), out.canonical())?;
    }
    Ok(out)
}

/// Read a facts bundle (a file or `-` for standard input), at most `cap` bytes.
fn read_bundle(path: &Path, cap: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let too_big = || {
        anyhow::anyhow!(
            "{}: facts bundle is over the {cap}-byte limit; raise --max-bundle-size if it is genuine",
            path.display()
        )
    };
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
    } else {
        let file =
            std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let meta = file
            .metadata()
            .with_context(|| format!("reading {}", path.display()))?;
        if meta.is_file() && meta.len() > cap {
            return Err(too_big());
        }
        file.take(cap.saturating_add(1))
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    if bytes.len() as u64 > cap {
        return Err(too_big());
    }
    Ok(bytes)
}

fn load_catalogue(args: &CatalogueArgs, with_fixtures: bool) -> Result<Catalogue> {
    let mut sets = Vec::new();
    if !args.no_builtin {
        sets.push(("builtin".to_string(), ward::catalogue::builtin_sources()));
    }
    for dir in &args.catalogues {
        let files = dir_sources(dir)?;
        sets.push((dir.display().to_string(), files));
    }
    if sets.is_empty() {
        bail!("--no-builtin needs at least one --catalogue DIR");
    }
    // Scans, collections and evaluations never read fixtures: only the self-test and lint
    // parse them.
    let cat = if with_fixtures {
        Catalogue::load(sets)?
    } else {
        Catalogue::load_for_scan(sets)?
    };
    for r in &cat.replaced {
        eprintln!(
            "ward: warning: {} {} at {} replaces the one at {}",
            r.kind, r.id, r.by, r.replaced
        );
    }
    Ok(cat)
}

/// The run's selection: profile, frameworks, `--param` values and `--attestations`, whose
/// expiry is judged today or on `as_of`.
fn select_checks(
    cat: &Catalogue,
    args: &SelectArgs,
    as_of: Option<jiff::civil::Date>,
) -> Result<Selection> {
    let mut selection = cat
        .select(args.profile.as_deref(), &args.frameworks)
        .map_err(anyhow::Error::msg)?;
    for p in &args.params {
        cat.set_param(&mut selection, p)
            .map_err(anyhow::Error::msg)?;
    }
    if !args.attestations.is_empty() {
        let files = args
            .attestations
            .iter()
            .map(|p| ward::attest::AttestFile::read(p))
            .collect::<Result<Vec<_>, _>>()?;
        let today = as_of.unwrap_or_else(ward::feeds::assess::today);
        selection.attestations = ward::attest::load(&files, cat, today)?;
    }
    Ok(selection)
}

fn host_root(args: &HostArgs) -> Result<HostRoot> {
    let root = match &args.root {
        None => HostRoot::live(),
        Some(dir) => {
            output::refuse_proc_root(dir)?;
            HostRoot::new(dir).with_context(|| format!("--root {}", dir.display()))?
        }
    };
    Ok(root.with_read_cap(args.max_file_size << 20))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    cat: &Catalogue,
    selection: &Selection,
    facts: &Facts,
    software: ward::feeds::assess::Software,
    out: &OutputArgs,
    dir: &OutputDir,
    source: Option<Source>,
    renderer: &Renderer,
) -> Result<ExitCode> {
    let mut report = Report::evaluate_with(cat, selection, facts, Some(software));
    if let Some(source) = source {
        report.host.source = source;
    }
    if out.redact {
        report.redact();
    }
    // Each report is written (to a temporary file, synced, renamed into place) by the
    // thread that rendered it, so one report's write overlaps the others' rendering.
    let written = renderer.render_each(&report, &out.formats(), &|format, text| {
        let path = dir.write(format.file_name(), text.as_bytes())?;
        Ok::<_, anyhow::Error>(path.display().to_string())
    })?;
    let failed = report.has_failure_at_or_above(out.fail_on.into());
    let errored = report.summary.error > 0;
    if !out.quiet || failed || errored {
        let color = match out.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(terminal::summary(&report, color).as_bytes())?;
        writeln!(stdout, "Reports: {}", written.join(", "))?;
    }
    exiting(report);
    Ok(if failed {
        ExitCode::from(1)
    } else if errored {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Let go of a large value the process no longer needs without freeing it piece by piece:
/// the command is about to return and the process to exit, which frees all its memory at
/// once. (Dropping the report, facts and catalogue of a scan took a few milliseconds.)
fn exiting<T>(value: T) {
    std::mem::forget(value);
}

fn frameworks(cmd: FrameworksCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        FrameworksCommand::List { catalogue, json } => {
            let cat = load_catalogue(&catalogue, false)?;
            let rows: Vec<_> = cat
                .frameworks
                .values()
                .map(|f| {
                    f.coverage(&ward::catalogue::FrameworkRef::whole(
                        f.framework.id.clone(),
                    ))
                })
                .collect();
            if json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
                return Ok(ExitCode::SUCCESS);
            }
            writeln!(
                out,
                "{:<22} {:>5} {:>9} {:>7} {:>6} {:>7}  TITLE (EDITION)",
                "FRAMEWORK", "REQS", "AUTOMATED", "PARTIAL", "MANUAL", "CHECKS"
            )?;
            for r in &rows {
                let unconfirmed = if r.unconfirmed > 0 {
                    format!(" [{} unconfirmed]", r.unconfirmed)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "{:<22} {:>5} {:>9} {:>7} {:>6} {:>7}  {} ({}){unconfirmed}",
                    r.id,
                    r.requirements,
                    r.automated,
                    r.partial,
                    r.manual,
                    r.checks_mapped,
                    r.title,
                    r.edition
                )?;
            }
            writeln!(
                out,
                "\nCHECKS: distinct checks mapped. Partial and manual requirements need an \
                 attestation (`ward frameworks attest-template ID`)."
            )?;
            Ok(ExitCode::SUCCESS)
        }
        FrameworksCommand::Show {
            id,
            scope,
            catalogue,
        } => {
            let cat = load_catalogue(&catalogue, false)?;
            let scope = scope.scope(&cat, &id)?;
            let fw = &cat.frameworks[&id];
            let c = fw.coverage(&scope);
            writeln!(
                out,
                "{} - {} ({}, {})",
                c.scope, fw.framework.title, fw.framework.edition, fw.framework.publisher
            )?;
            if let Some(url) = &fw.framework.url {
                writeln!(out, "{url}")?;
            }
            writeln!(
                out,
                "{} requirements: {} automated, {} partial, {} manual; {} checks mapped{}\n",
                c.requirements,
                c.automated,
                c.partial,
                c.manual,
                c.checks_mapped,
                if c.unconfirmed > 0 {
                    format!(
                        "; {} not confirmed against the official text",
                        c.unconfirmed
                    )
                } else {
                    String::new()
                }
            )?;
            let mut group: Option<&str> = None;
            for r in fw.requirements.iter().filter(|r| r.in_scope(&scope)) {
                if r.group.as_deref() != group {
                    group = r.group.as_deref();
                    if let Some(g) = group {
                        writeln!(out, "{g}")?;
                    }
                }
                let status = match r.status {
                    ward::catalogue::Coverage::Automated => "automated",
                    ward::catalogue::Coverage::Partial => "partial",
                    ward::catalogue::Coverage::Manual => "manual",
                };
                let mut tags = Vec::new();
                if !r.aliases.is_empty() {
                    tags.push(format!("also {}", r.aliases.join(", ")));
                }
                if let Some(e) = &r.edition {
                    tags.push(format!("{e} edition"));
                }
                if r.unconfirmed.is_some() {
                    tags.push("unconfirmed".into());
                }
                let tags = if tags.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", tags.join("; "))
                };
                writeln!(out, "  {:<16} {:<9} {}{tags}", r.id, status, r.title.trim())?;
                for m in &r.checks {
                    writeln!(out, "      {} - {}", m.check, m.why)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FrameworksCommand::AttestTemplate {
            id,
            scope,
            catalogue,
            output,
        } => {
            let cat = load_catalogue(&catalogue, false)?;
            let scope = scope.scope(&cat, &id)?;
            let text = ward::attest::template(&cat, &scope, ward::feeds::assess::today())
                .context("framework not found")?;
            match output {
                None => out.write_all(text.as_bytes())?,
                Some(path) => {
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .with_context(|| format!("creating {}", path.display()))?;
                    f.write_all(text.as_bytes())?;
                    eprintln!("ward: wrote {}", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn controls(cmd: ControlsCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ControlsCommand::List {
            catalogue,
            select,
            json,
        } => {
            let cat = load_catalogue(&catalogue, false)?;
            let selection = select_checks(&cat, &select, None)?;
            let checks: Vec<_> = selection
                .checks
                .iter()
                .filter_map(|id| cat.checks.get(id))
                .collect();
            if json {
                let rows: Vec<serde_json::Value> = checks
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "id": c.id, "severity": c.severity, "title": c.default_title(), "origin": c.origin
                        })
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                let w = checks.iter().map(|c| c.id.len()).max().unwrap_or(2);
                for c in &checks {
                    writeln!(
                        out,
                        "{:<w$}  {:<8}  {}",
                        c.id,
                        c.severity.as_str(),
                        c.default_title()
                    )?;
                }
                writeln!(out, "{} checks", checks.len())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        ControlsCommand::Show { id, catalogue } => {
            let cat = load_catalogue(&catalogue, false)?;
            let Some(c) = cat.checks.get(&id) else {
                bail!("no check {id:?}; `ward controls list` shows the ids");
            };
            writeln!(out, "{}  [{}]\n{}\n", c.id, c.severity, c.title)?;
            writeln!(out, "Defined at: {}", c.origin)?;
            writeln!(out, "\nWhy: {}", c.rationale.trim())?;
            if let Some(a) = &c.applies_if {
                writeln!(
                    out,
                    "\nApplies if:\n{}",
                    indent(&serde_saphyr::to_string(a)?)
                )?;
            }
            writeln!(
                out,
                "\nTest:\n{}",
                indent(&serde_saphyr::to_string(&c.test)?)
            )?;
            if !c.parameters.is_empty() {
                writeln!(out, "Parameters:")?;
                for (name, d) in &c.parameters {
                    let mut bounds = match (d.minimum, d.maximum) {
                        (None, None) => String::new(),
                        (lo, hi) => format!(
                            ", allowed {}..={}",
                            lo.map(|v| v.to_string()).unwrap_or_default(),
                            hi.map(|v| v.to_string()).unwrap_or_default()
                        ),
                    };
                    if let Some(p) = &d.pattern {
                        bounds.push_str(&format!(", matching /{p}/"));
                    }
                    writeln!(
                        out,
                        "  {name} (default {}{bounds}): {}",
                        d.default,
                        d.description.trim()
                    )?;
                }
                let setters: Vec<String> = cat
                    .profiles
                    .values()
                    .flat_map(|p| {
                        p.parameters
                            .iter()
                            .filter(|(k, _)| c.parameters.contains_key(*k))
                            .map(move |(k, v)| format!("  profile {} sets {k} = {v}", p.id))
                    })
                    .collect();
                for s in setters {
                    writeln!(out, "{s}")?;
                }
                writeln!(out)?;
            }
            writeln!(out, "Remediation: {}", c.remediation.steps.trim())?;
            for (platform, cmd) in &c.remediation.commands {
                writeln!(out, "  {platform}: {cmd}")?;
            }
            if c.families.is_some() {
                let names: Vec<&str> = c.families().iter().map(|f| f.as_str()).collect();
                writeln!(out, "  (applies to {} hosts only)", names.join(", "))?;
            }
            writeln!(out, "\nFixtures:")?;
            for (expect, case) in c.fixtures.cases() {
                match case.reason() {
                    Some(r) => writeln!(
                        out,
                        "  {expect}: {} (reason contains {r:?})",
                        case.fixture()
                    )?,
                    None => writeln!(out, "  {expect}: {}", case.fixture())?,
                }
            }
            let reqs: Vec<String> = cat
                .frameworks
                .values()
                .flat_map(|f| {
                    f.requirements
                        .iter()
                        .filter(|r| r.checks.iter().any(|x| x.check == c.id))
                        .map(move |r| format!("{} {} {}", f.framework.id, r.id, r.title))
                })
                .collect();
            if !reqs.is_empty() {
                writeln!(out, "\nEvidences:")?;
                for r in reqs {
                    writeln!(out, "  {r}")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ControlsCommand::Lint { dir, no_builtin } => {
            let args = CatalogueArgs {
                catalogues: dir.into_iter().collect(),
                no_builtin,
            };
            let cat = match load_catalogue(&args, true) {
                Ok(c) => c,
                Err(e) => {
                    match e.downcast_ref::<ward::catalogue::CatalogueError>() {
                        Some(ce) => {
                            for d in &ce.0 {
                                writeln!(out, "{d}")?;
                            }
                            writeln!(out, "{} problem(s)", ce.0.len())?;
                        }
                        None => writeln!(out, "{e:#}")?,
                    }
                    return Ok(ExitCode::from(1));
                }
            };
            let problems = ward::catalogue::lint(&cat);
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            writeln!(
                out,
                "{} checks, {} frameworks, {} profiles, {} fixtures: {} problem(s)",
                cat.checks.len(),
                cat.frameworks.len(),
                cat.profiles.len(),
                cat.fixtures.len(),
                problems.len()
            )?;
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        ControlsCommand::Test { pattern, catalogue } => {
            let cat = load_catalogue(&catalogue, true)?;
            let cases = selftest::run(&cat, pattern.as_deref());
            for c in &cases {
                let got = c.got.map(Outcome::as_str).unwrap_or("-");
                let fixture = if c.fixture.is_empty() {
                    "-"
                } else {
                    &c.fixture
                };
                match c.status {
                    CaseStatus::Ok => {}
                    CaseStatus::Failed => writeln!(
                        out,
                        "FAIL {} on {fixture}: expected {}, got {got}: {}",
                        c.check, c.expected, c.detail
                    )?,
                    CaseStatus::Skipped => writeln!(
                        out,
                        "SKIP {} on {fixture}: {} (a skipped case proves nothing)",
                        c.check, c.detail
                    )?,
                }
            }
            let summary = selftest::Summary::of(&cases);
            for id in &summary.unproven {
                writeln!(
                    out,
                    "UNPROVEN {id}: no pass case and fail case that both ran and held"
                )?;
            }
            writeln!(
                out,
                "fixtures: {} passed, {} failed, {} skipped; {} check(s) unproven",
                summary.ok,
                summary.failed,
                summary.skipped,
                summary.unproven.len()
            )?;
            Ok(if summary.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}
