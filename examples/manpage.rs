//! Writes the dynward(1) man page, rendered from the CLI definition, to the given path
//! (or stdout). Used by packaging: `cargo run --example manpage -- target/man/dynward.1`.

use std::io::Write;

use clap::CommandFactory;

fn main() -> std::io::Result<()> {
    let cmd = dynward::cli::Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    // Subcommands get their own sections, so `man dynward` documents the whole tool.
    for sub in dynward::cli::Cli::command().get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = sub.get_name().to_string();
        writeln!(out, ".SH \"DYNWARD {}\"", name.to_uppercase())?;
        let mut page = Vec::new();
        let full: &'static str = Box::leak(format!("dynward {name}").into_boxed_str());
        clap_mangen::Man::new(sub.clone().name(full)).render_synopsis_section(&mut page)?;
        clap_mangen::Man::new(sub.clone()).render_options_section(&mut page)?;
        out.extend_from_slice(&page);
    }
    match std::env::args().nth(1) {
        Some(path) => {
            if let Some(dir) = std::path::Path::new(&path).parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, out)
        }
        None => std::io::stdout().write_all(&out),
    }
}
