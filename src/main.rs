//! The `ward` command line. Only this file prints fatal errors and picks the exit code.

fn main() {}
