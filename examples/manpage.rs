//! Writes the dynward(1) man page (the complete reference, from src/docs.rs and the CLI
//! definition) to the given path, or stdout. Packaging runs it:
//! `cargo run --example manpage -- target/man/man1/dynward.1`.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let page = dynward::docs::man_page();
    match std::env::args().nth(1) {
        Some(path) => {
            if let Some(dir) = std::path::Path::new(&path).parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, page)
        }
        None => std::io::stdout().write_all(page.as_bytes()),
    }
}
