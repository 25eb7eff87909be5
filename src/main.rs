//! The `ward` command line. Only this file decides the exit code and prints fatal errors;
//! the commands themselves live in `cli.rs` and return `anyhow::Result<ExitCode>`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`ward ... | head`) is not an error worth reporting.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("ward: error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}
