//! Prints the README's reference tables from src/docs.rs (the README must hold them as they
//! are: a unit test checks it): `cargo run --example docs`.

use dynward::docs;

fn main() {
    for (title, table) in [
        (
            "commands",
            docs::markdown(("command", "what it does"), docs::COMMANDS),
        ),
        ("states", docs::markdown(("state", "meaning"), docs::STATES)),
        (
            "top-level keys",
            docs::markdown_keys(dynward::config::keys::TOP),
        ),
        (
            "policy keys",
            docs::markdown_keys(dynward::config::keys::POLICY),
        ),
        ("providers", docs::markdown_presets()),
        ("answers", docs::markdown_answers()),
        (
            "exit statuses",
            docs::markdown(("exit", "meaning"), docs::EXIT_STATUS),
        ),
    ] {
        println!("<!-- {title} -->\n{table}");
    }
}
