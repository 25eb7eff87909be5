//! One PAM configuration file split into lines and tokens exactly as libpam 1.5 does.
//!
//! `_pam_assemble_line` reads into a 1024-byte buffer: leading blanks are skipped, a line
//! that is then empty or starts with `#` contributes nothing (and does not end a
//! continuation), everything from the first `#` on is dropped and ends the line, and a
//! line whose last non-blank character is a backslash continues on the next one (the
//! backslash becomes a space). A physical line longer than the buffer is cut and its rest
//! read as a new line; a continuation that fills the buffer is an error that makes libpam
//! refuse the whole file. Bytes after a NUL are not seen (C strings). Tokens are split on
//! space, tab and newline by `_pam_StrTok`, where a token starting with `[` runs to the
//! first `]` (with `\]` standing for `]`) and loses its brackets, wherever it stands.

use serde::{Deserialize, Serialize};

use crate::facts::cstdio::Fgets;
use crate::facts::Origin;

/// libpam's line buffer.
const BUF_SIZE: usize = 1024;

/// Argument names whose values are secrets (database or directory passwords of modules
/// such as pam_mysql or pam_ldap): their values never enter the bundle.
const SECRET_ARGS: [&str; 7] = [
    "passwd", "password", "secret", "bindpw", "key", "token", "pass",
];

/// A parsed configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PamFile {
    /// The lines libpam reads, in order.
    pub lines: Vec<PamLine>,
    /// Why libpam stops reading the file (a continuation overflowing its buffer, or a
    /// file ending inside a continuation): libpam then refuses the file. The lines before
    /// the problem are in `lines`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
    /// Why the file could not be read (permissions, not a regular file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The file does not exist (an absolute include target that is missing).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    /// Physical lines libpam splits because they are longer than its buffer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl PamFile {
    pub(crate) fn absent() -> PamFile {
        PamFile {
            absent: true,
            ..PamFile::default()
        }
    }

    pub(crate) fn unreadable(reason: String) -> PamFile {
        PamFile {
            error: Some(reason),
            ..PamFile::default()
        }
    }
}

/// One logical line, tokenised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PamLine {
    /// The file and the first physical line.
    pub origin: Origin,
    /// The service column (only in `/etc/pam.conf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The type token without its leading `-` (`auth`, `account`, …, or whatever was
    /// written: libpam makes a line with an unknown type fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The type was written with a leading `-` (load failures not logged).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub silent: bool,
    /// The control token, brackets removed (`required`, `success=1 default=ignore`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// The control was written in brackets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bracketed: bool,
    /// The module path or, for `include`/`substack`/`@include`, the file named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Module arguments (secret values withheld).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

impl PamLine {
    /// `@include FILE` (Debian's form: every line of FILE).
    pub fn is_at_include(&self) -> bool {
        self.kind.as_deref() == Some("@include")
    }

    /// The file an `include`, `substack` or `@include` line names.
    pub fn include_target(&self) -> Option<&str> {
        if self.is_at_include() {
            // `@include FILE`: the file is the second token, stored as the control.
            return self.control.as_deref();
        }
        match self.control.as_deref() {
            // `_pam_StrTok` strips brackets first: `[include]` is `include`.
            Some(c) if is_include_word(c) => self.module.as_deref(),
            _ => None,
        }
    }

    /// The module's name: the last path component without its extension (`pam_unix`).
    pub fn module_name(&self) -> Option<String> {
        let m = self.module.as_deref()?;
        let base = m.rsplit('/').next().unwrap_or(m);
        let name = base.rsplit_once('.').map_or(base, |(n, _)| n);
        Some(name.to_string())
    }

    /// The line as written, for evidence (tokens joined by one space).
    pub fn display(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = &self.service {
            parts.push(s.clone());
        }
        if let Some(k) = &self.kind {
            parts.push(format!("{}{k}", if self.silent { "-" } else { "" }));
        }
        if let Some(c) = &self.control {
            parts.push(if self.bracketed {
                format!("[{c}]")
            } else {
                c.clone()
            });
        }
        if let Some(m) = &self.module {
            parts.push(m.clone());
        }
        parts.extend(self.args.iter().cloned());
        parts.join(" ")
    }
}

fn is_include_word(c: &str) -> bool {
    c.eq_ignore_ascii_case("include") || c.eq_ignore_ascii_case("substack")
}

/// Parse a service file (`with_service` false) or `/etc/pam.conf` (true).
pub fn parse(path: &str, bytes: &[u8]) -> PamFile {
    parse_with(path, bytes, path == super::PAM_CONF)
}

pub(crate) fn parse_with(path: &str, bytes: &[u8], with_service: bool) -> PamFile {
    let mut out = PamFile::default();
    let mut reader = Reader {
        file: Fgets::new(bytes),
    };
    loop {
        match reader.assemble() {
            Assembled::Eof => break,
            Assembled::Error(reason) => {
                out.aborted = Some(format!("{path}:{}: {reason}", reader.file.line_no()));
                break;
            }
            Assembled::Line {
                text,
                first_line,
                split,
            } => {
                if split {
                    out.notes.push(format!(
                        "{path}:{first_line}: longer than libpam's {BUF_SIZE}-byte line buffer; \
                         libpam reads the rest as a separate line"
                    ));
                }
                if let Some(line) = tokenise(
                    &text,
                    Origin::at(path.to_string(), first_line),
                    with_service,
                ) {
                    out.lines.push(line);
                }
            }
        }
    }
    out
}

enum Assembled {
    Eof,
    Error(&'static str),
    Line {
        text: Vec<u8>,
        first_line: usize,
        /// The first piece was cut at the buffer size (no newline).
        split: bool,
    },
}

struct Reader<'a> {
    file: Fgets<'a>,
}

impl Reader<'_> {
    /// `_pam_assemble_line`.
    fn assemble(&mut self) -> Assembled {
        // The buffer holds `buf[..p]` committed plus the piece being read at `p`.
        let mut buf: Vec<u8> = Vec::new();
        let mut used = false;
        let mut first_line = 0;
        let mut split = false;
        loop {
            let p = buf.len();
            if p >= BUF_SIZE {
                return Assembled::Error("a continued line overflows libpam's 1024-byte buffer");
            }
            if p == BUF_SIZE - 1 {
                // fgets with room for nothing returns an empty string forever: libpam
                // would loop. Ward stops and reports it.
                return Assembled::Error(
                    "a continued line fills libpam's 1024-byte buffer exactly (libpam loops)",
                );
            }
            let before = self.file.line_no();
            let Some((piece, newline)) = self.file.read(BUF_SIZE - p) else {
                return if used {
                    Assembled::Error("the file ends inside a continued line")
                } else {
                    Assembled::Eof
                };
            };
            let this_line = before + 1;
            let skip = piece
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\n' | b'\t'))
                .count();
            let s = &piece[skip..];
            if s.is_empty() || s[0] == b'#' {
                // Nothing on this line; the buffer position does not move.
                continue;
            }
            if !used {
                first_line = this_line;
            }
            split |= !newline && self.file.has_more();
            if let Some(h) = s.iter().position(|&b| b == b'#') {
                buf.extend_from_slice(&piece[..skip + h]);
                return Assembled::Line {
                    text: buf,
                    first_line,
                    split,
                };
            }
            let mut end = s.len();
            while end > 0 && matches!(s[end - 1], b' ' | b'\t' | b'\n') {
                end -= 1;
            }
            if end > 0 && s[end - 1] == b'\\' {
                buf.extend_from_slice(&piece[..skip + end - 1]);
                buf.push(b' ');
                used = true;
                continue;
            }
            buf.extend_from_slice(piece);
            return Assembled::Line {
                text: buf,
                first_line,
                split,
            };
        }
    }
}

/// `_pam_StrTok` with the separators space, tab and newline: the next token from `*pos`,
/// and whether it was bracketed.
pub(crate) fn str_tok(s: &[u8], pos: &mut Option<usize>) -> Option<(Vec<u8>, bool)> {
    let mut i = (*pos)?;
    let sep = |b: u8| matches!(b, b' ' | b'\t' | b'\n');
    while i < s.len() && sep(s[i]) {
        i += 1;
    }
    if i >= s.len() {
        *pos = None;
        return None;
    }
    let mut tok = Vec::new();
    let bracketed = s[i] == b'[';
    let mut end;
    if bracketed {
        end = i + 1;
        while end < s.len() && s[end] != b']' {
            if s[end] == b'\\' && s.get(end + 1) == Some(&b']') {
                end += 1;
            }
            tok.push(s[end]);
            end += 1;
        }
    } else {
        end = i;
        while end < s.len() && !sep(s[end]) {
            tok.push(s[end]);
            end += 1;
        }
    }
    // The terminating character (separator or `]`) is consumed.
    if end < s.len() {
        end += 1;
    }
    *pos = if end < s.len() { Some(end) } else { None };
    Some((tok, bracketed))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tokenise(line: &[u8], origin: Origin, with_service: bool) -> Option<PamLine> {
    let mut pos = Some(0);
    let mut out = PamLine {
        origin,
        ..PamLine::default()
    };
    if with_service {
        out.service = Some(text(&str_tok(line, &mut pos)?.0));
    }
    let Some((kind, _)) = str_tok(line, &mut pos) else {
        // A pam.conf line with only a service: libpam installs a failing auth entry.
        return out.service.is_some().then_some(out);
    };
    let kind = text(&kind);
    if let Some(k) = kind.strip_prefix('-') {
        out.silent = true;
        out.kind = Some(k.to_string());
    } else {
        out.kind = Some(kind);
    }
    if let Some((control, bracketed)) = str_tok(line, &mut pos) {
        out.control = Some(text(&control));
        out.bracketed = bracketed;
    }
    if let Some((module, _)) = str_tok(line, &mut pos) {
        out.module = Some(text(&module));
    }
    // `_pam_mkargv` tokenises the rest the same way.
    while let Some((arg, _)) = str_tok(line, &mut pos) {
        out.args.push(withhold(text(&arg)));
    }
    Some(out)
}

/// `NAME=VALUE` with a secret-looking NAME becomes `NAME=(withheld)`.
fn withhold(arg: String) -> String {
    match arg.split_once('=') {
        Some((name, _))
            if SECRET_ARGS
                .iter()
                .any(|s| name.to_ascii_lowercase().contains(s)) =>
        {
            format!("{name}=(withheld)")
        }
        _ => arg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        parse("/etc/pam.d/t", text.as_bytes())
            .lines
            .iter()
            .map(PamLine::display)
            .collect()
    }

    #[test]
    fn comments_anywhere_end_the_line() {
        assert_eq!(
            lines("auth required pam_unix.so nullok # try_first_pass\n"),
            ["auth required pam_unix.so nullok"]
        );
        assert_eq!(
            lines("  # comment\n\n\tauth sufficient pam_permit.so"),
            ["auth sufficient pam_permit.so"]
        );
    }

    #[test]
    fn continuation_lines_join_and_skip_blank_lines() {
        let f = parse(
            "/etc/pam.d/t",
            b"auth required \\\n\n# note\n   pam_unix.so \\  \nnullok\nsession optional pam_permit.so\n",
        );
        let d: Vec<String> = f.lines.iter().map(PamLine::display).collect();
        assert_eq!(
            d,
            [
                "auth required pam_unix.so nullok",
                "session optional pam_permit.so"
            ]
        );
        assert_eq!(f.lines[0].origin.line, Some(1));
        assert_eq!(f.lines[1].origin.line, Some(6));
        // A comment after the backslash ends the line: the backslash is a token.
        assert_eq!(
            lines("auth required pam_unix.so \\ # x\nnullok\n"),
            ["auth required pam_unix.so \\", "nullok"]
        );
    }

    #[test]
    fn brackets_group_tokens_anywhere() {
        let f = parse(
            "/etc/pam.d/t",
            b"auth [success=1 default=ignore] pam_unix.so [query=a b\\]c] x\n[auth] required pam_deny.so\n",
        );
        assert_eq!(
            f.lines[0].control.as_deref(),
            Some("success=1 default=ignore")
        );
        assert!(f.lines[0].bracketed);
        assert_eq!(f.lines[0].args, ["query=a b]c", "x"]);
        assert_eq!(f.lines[1].kind.as_deref(), Some("auth"));
    }

    #[test]
    fn dash_type_and_includes() {
        let f = parse(
            "/etc/pam.d/t",
            b"-session optional pam_systemd.so\n@include common-auth\nauth include system-auth\naccount substack /etc/pam.d/x\n",
        );
        assert!(f.lines[0].silent);
        assert_eq!(f.lines[0].kind.as_deref(), Some("session"));
        assert_eq!(f.lines[1].include_target(), Some("common-auth"));
        assert_eq!(f.lines[2].include_target(), Some("system-auth"));
        assert_eq!(f.lines[3].include_target(), Some("/etc/pam.d/x"));
        assert_eq!(f.lines[0].module_name().as_deref(), Some("pam_systemd"));
    }

    #[test]
    fn nul_hides_the_rest_of_a_physical_line() {
        assert_eq!(
            lines("auth required pam_unix.so\0 nullok\nauth required pam_deny.so\n"),
            ["auth required pam_unix.so", "auth required pam_deny.so"]
        );
    }

    #[test]
    fn long_lines_are_split_and_unfinished_continuations_abort() {
        let long = format!("auth required pam_unix.so {}\n", "a".repeat(1100));
        let f = parse("/etc/pam.d/t", long.as_bytes());
        assert_eq!(f.lines.len(), 2);
        assert_eq!(f.notes.len(), 1);
        // A continuation that outgrows the buffer is cut too: the rest is a new line.
        let cont = format!(
            "auth required pam_unix.so \\\n{} \\\n{}\n",
            "a".repeat(600),
            "b".repeat(600)
        );
        let f = parse("/etc/pam.d/t", cont.as_bytes());
        assert_eq!(f.lines.len(), 2, "{f:?}");
        assert_eq!(f.notes.len(), 1);
        assert!(f.aborted.is_none());
        let f = parse("/etc/pam.d/t", b"auth required pam_unix.so \\\n");
        assert!(f.aborted.as_deref().unwrap().contains("ends inside"));
    }

    #[test]
    fn secrets_in_arguments_are_withheld() {
        let f = parse(
            "/etc/pam.d/t",
            b"auth sufficient pam_mysql.so user=pam passwd=hunter2 use_authtok\n",
        );
        assert_eq!(
            f.lines[0].args,
            ["user=pam", "passwd=(withheld)", "use_authtok"]
        );
    }

    #[test]
    fn pam_conf_has_a_service_column() {
        let f = parse(
            PAM_CONF_PATH,
            b"login auth required pam_unix.so\nOTHER account required pam_deny.so\n",
        );
        assert_eq!(f.lines[0].service.as_deref(), Some("login"));
        assert_eq!(f.lines[1].kind.as_deref(), Some("account"));
    }

    const PAM_CONF_PATH: &str = super::super::PAM_CONF;
}
