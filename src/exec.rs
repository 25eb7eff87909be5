//! A bounded runner for the few external commands Ward may run on the live host.
//!
//! Collectors sometimes need a program's own view (`sshd -T` prints the configuration sshd
//! really computes). Running a program on a host being audited must never hang the scan,
//! flood memory or be steered by the caller's environment, so every run goes through here:
//! an absolute program path and argument vector (no shell, no `PATH` lookup), the
//! environment cleared except for a fixed `PATH` and `LC_ALL=C`, stdin closed, each output
//! stream read to a byte cap on its own thread (the pipe is closed at the cap, so a chatty
//! child gets EPIPE instead of blocking), and the child killed once the timeout passes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Limits for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall time before the child is killed.
    pub timeout: Duration,
    /// Most bytes of standard output kept.
    pub stdout_cap: usize,
    /// Most bytes of standard error kept.
    pub stderr_cap: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(5),
            stdout_cap: 1024 * 1024,
            stderr_cap: 4096,
        }
    }
}

/// What a finished run produced.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// True when the child printed more than `stdout_cap` bytes (the rest was not read).
    pub stdout_truncated: bool,
    pub stderr: Vec<u8>,
}

/// Why a run produced no output. Each message reads after the program's name.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("is not an absolute path")]
    NotAbsolute,
    #[error("could not be started: {0}")]
    Spawn(std::io::Error),
    #[error("could not be read (no thread: {0})")]
    Thread(std::io::Error),
    #[error("did not finish within {0:?} and was stopped")]
    Timeout(Duration),
    #[error("could not be waited for: {0}")]
    Wait(std::io::Error),
    #[error("exited but its output could not be read")]
    Output,
}

/// The fixed `PATH` given to children.
const CHILD_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

#[derive(Debug)]
struct Captured {
    data: Vec<u8>,
    truncated: bool,
}

fn spawn_reader<R: Read + Send + 'static>(
    mut pipe: R,
    cap: usize,
    which: Stream,
    tx: mpsc::Sender<(Stream, Captured)>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("ward-exec".to_string())
        .spawn(move || {
            let mut data = Vec::new();
            let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
            let _ = (&mut pipe).take(limit).read_to_end(&mut data);
            let truncated = data.len() > cap;
            data.truncate(cap);
            drop(pipe);
            let _ = tx.send((which, Captured { data, truncated }));
        })
        .map(|_| ())
}

/// Run `program args` within `limits`. Never blocks beyond the timeout (plus reaping a
/// killed child and one second for the readers to report).
pub fn run(program: &Path, args: &[&str], limits: Limits) -> Result<Output, ExecError> {
    if !program.is_absolute() {
        return Err(ExecError::NotAbsolute);
    }
    let mut child = Command::new(PathBuf::from(program))
        .args(args)
        .env_clear()
        .env("PATH", CHILD_PATH)
        .env("LC_ALL", "C")
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ExecError::Spawn)?;
    let (tx, rx) = mpsc::channel();
    let mut readers = Ok(());
    if let Some(out) = child.stdout.take() {
        readers = readers.and(spawn_reader(
            out,
            limits.stdout_cap,
            Stream::Out,
            tx.clone(),
        ));
    }
    if let Some(err) = child.stderr.take() {
        readers = readers.and(spawn_reader(
            err,
            limits.stderr_cap,
            Stream::Err,
            tx.clone(),
        ));
    }
    drop(tx);
    if let Err(e) = readers {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ExecError::Thread(e));
    }
    let deadline = Instant::now() + limits.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExecError::Timeout(limits.timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExecError::Wait(e));
            }
        }
    };
    let mut stdout = None;
    let mut stderr = None;
    let collect_until = Instant::now() + Duration::from_secs(1);
    while stdout.is_none() || stderr.is_none() {
        let left = collect_until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((Stream::Out, c)) => stdout = Some(c),
            Ok((Stream::Err, c)) => stderr = Some(c),
            Err(_) => break,
        }
    }
    let Some(stdout) = stdout else {
        return Err(ExecError::Output);
    };
    Ok(Output {
        status,
        stdout: stdout.data,
        stdout_truncated: stdout.truncated,
        stderr: stderr.map(|c| c.data).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(ms: u64, cap: usize) -> Limits {
        Limits {
            timeout: Duration::from_millis(ms),
            stdout_cap: cap,
            stderr_cap: 100,
        }
    }

    #[test]
    fn times_out_caps_output_and_clears_the_environment() {
        let sh = Path::new("/bin/sh");
        if !sh.exists() {
            return;
        }
        let start = Instant::now();
        let err = run(sh, &["-c", "sleep 5"], limits(200, 100)).unwrap_err();
        assert!(matches!(err, ExecError::Timeout(_)), "{err}");
        assert!(start.elapsed() < Duration::from_secs(3));

        let ok = run(
            sh,
            &["-c", "echo port 22; echo oops >&2"],
            limits(5000, 100),
        )
        .unwrap();
        assert!(ok.status.success());
        assert_eq!(ok.stdout, b"port 22\n");
        assert!(!ok.stdout_truncated);
        assert_eq!(ok.stderr, b"oops\n");

        let big = run(
            sh,
            &[
                "-c",
                "i=0; while [ $i -lt 200 ]; do echo 0123456789; i=$((i+1)); done",
            ],
            limits(5000, 100),
        )
        .unwrap();
        assert!(big.stdout_truncated);
        assert_eq!(big.stdout.len(), 100);

        // The parent's environment does not leak into the child; no shell parses `args`.
        std::env::set_var("WARD_EXEC_SECRET", "leak");
        let env = run(Path::new("/usr/bin/env"), &[], limits(5000, 4096)).unwrap();
        let env = String::from_utf8_lossy(&env.stdout).into_owned();
        assert!(!env.contains("WARD_EXEC_SECRET"), "{env}");
        assert!(env.contains("LC_ALL=C"), "{env}");
        let echo = run(
            Path::new("/bin/echo"),
            &["$HOME;", "`id`"],
            limits(5000, 100),
        )
        .unwrap();
        assert_eq!(echo.stdout, b"$HOME; `id`\n");

        assert!(matches!(
            run(Path::new("sh"), &[], limits(100, 1)),
            Err(ExecError::NotAbsolute)
        ));
    }
}
