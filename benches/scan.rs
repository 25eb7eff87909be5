//! Scan benchmark (written later in this session).
fn main() {}
