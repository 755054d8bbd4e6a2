//! What the config points at outside itself: the password from a file, the environment or
//! a systemd credential, and who may read files that hold secrets. The only I/O of the
//! config, apart from reading the file.

use super::*;

/// The warning for a config file that holds a password and that others can read; `None`
/// when it holds none, or only its owner (and root's or the service's group) can read it.
pub(super) fn loose_config(cfg: &Config, path: &Path) -> Option<String> {
    let inline: Vec<&str> = cfg
        .policies
        .iter()
        .filter(|p| p.password_origin == INLINE_PASSWORD)
        .map(|p| p.name.as_str())
        .collect();
    if inline.is_empty() {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    let who = loose_readers(&meta, &group_ids("/etc/group", SERVICE_GROUP))?;
    Some(format!(
        "the file holds the password of {} and is readable by {who}; run: chmod 600 {} (the package installs it root:{SERVICE_GROUP} 0640), or move the password to password_file or a systemd credential",
        inline.join(", "),
        path.display()
    ))
}

/// A dry run's stand-in for a password that is not there: it sends nothing, so it needs
/// none (the example config's credential exists only under systemd). Never sent.
fn not_needed() -> (Secret, String) {
    (
        Secret::new("no-password-in-a-dry-run"),
        "none here (a dry run sends nothing, so it needs none)".into(),
    )
}

/// `password_origin` of a password written in the config file itself.
pub(super) const INLINE_PASSWORD: &str = "password (in the config file)";

/// The group the package gives the service, which may read the config.
pub const SERVICE_GROUP: &str = "dynward";

/// The ids of group `name` in a group file (none when it is not there).
pub(super) fn group_ids(file: &str, name: &str) -> Vec<u32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some(name))
                .then(|| f.nth(1).and_then(|gid| gid.parse().ok()))
                .flatten()
        })
        .collect()
}

/// Who besides the owner can read a file holding a secret, in words; `None` when no one:
/// others never, the group only when it is root's or the service's.
pub(super) fn loose_readers(
    meta: &std::fs::Metadata,
    service_gids: &[u32],
) -> Option<&'static str> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = meta.permissions().mode();
    if mode & 0o004 != 0 {
        return Some("others");
    }
    let trusted = meta.gid() == 0 || service_gids.contains(&meta.gid());
    (mode & 0o040 != 0 && !trusted).then_some("its group")
}

/// Reads a secret file: the first line, trailing newline removed. Returns whether the file is
/// readable by group or others.
pub(super) fn read_secret_file(p: &Path) -> Result<(Secret, bool), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let text =
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    // A BIND key file (RFC 2136's TSIG key) is read whole; other secrets are one line.
    let secret = if crate::protocol::dns::tsig::is_key_file(&text) {
        text.trim()
    } else {
        first
    };
    if secret.is_empty() {
        return Err(format!("{} is empty", p.display()));
    }
    Ok((Secret::new(secret), meta.permissions().mode() & 0o077 != 0))
}

impl Walker<'_> {
    /// `ca_file`: a readable file, relative to the config's directory.
    pub(super) fn ca_file(&mut self, v: &Item<'_>, key: &str) -> Option<PathBuf> {
        let text = self.string(v, key)?;
        let p = self.base.join(&text);
        if !p.is_file() {
            self.problem_at(
                v.span().start,
                key,
                format!("{} is not a readable file", p.display()),
            );
            return None;
        }
        Some(p)
    }

    /// Resolves the password from exactly one of password / password_file / password_env, or
    /// from `$CREDENTIALS_DIRECTORY/<name>` (systemd `LoadCredential=`) when none is set.
    /// The value never appears in a problem message.
    pub(super) fn password(
        &mut self,
        t: &DeTable<'_>,
        table_at: usize,
        at: &str,
        name: Option<&str>,
        env: &Env<'_>,
    ) -> Option<(Secret, String)> {
        let key = |k: &str| format!("{at}.{k}");
        let set: Vec<(&str, &Item<'_>)> = ["password", "password_file", "password_env"]
            .into_iter()
            .filter_map(|k| t.get(k).map(|v| (k, v)))
            .collect();
        if set.len() > 1
            && let Some((later, v)) = last_in_file(&set)
        {
            self.problem_at(
                v.span().start,
                &key(later),
                format!(
                    "set only one of password, password_file and password_env (found {})",
                    names(&set)
                ),
            );
            return None;
        }
        match set.first().copied() {
            Some(("password", v)) => self.inline_password(v, &key("password")),
            Some(("password_file", v)) => self.password_file(v, &key("password_file")),
            Some((_, v)) => {
                let var = self.string(v, &key("password_env"))?;
                match (env.var)(&var) {
                    Some(s) if !s.is_empty() => {
                        Some((Secret::new(s), format!("environment variable {var}")))
                    }
                    _ if env.dry_run => Some(not_needed()),
                    _ => {
                        self.problem_at(
                            v.span().start,
                            &key("password_env"),
                            format!("environment variable {var} is not set or empty"),
                        );
                        None
                    }
                }
            }
            None => self.credential(table_at, &key("password"), name, env),
        }
    }

    /// `password`, written in the config itself.
    fn inline_password(&mut self, v: &Item<'_>, key: &str) -> Option<(Secret, String)> {
        let s = self.string(v, key)?;
        if s.is_empty() {
            self.problem_at(v.span().start, key, "is empty".into());
            return None;
        }
        Some((Secret::new(s), INLINE_PASSWORD.into()))
    }

    /// `password_file`: its first line; a file others can read is a warning.
    fn password_file(&mut self, v: &Item<'_>, key: &str) -> Option<(Secret, String)> {
        let s = self.string(v, key)?;
        let p = self.base.join(&s);
        match read_secret_file(&p) {
            Ok((secret, loose)) => {
                if loose {
                    self.warnings.push(format!(
                        "{key}: password file {} is readable by group or others; run: chmod 600 {}",
                        p.display(),
                        p.display()
                    ));
                }
                Some((secret, format!("password_file {}", p.display())))
            }
            Err(e) => {
                self.problem_at(v.span().start, key, e);
                None
            }
        }
    }

    /// No password key: the systemd credential named after the policy
    /// (`$CREDENTIALS_DIRECTORY/<name>`), or a problem saying what to set.
    fn credential(
        &mut self,
        table_at: usize,
        key: &str,
        name: Option<&str>,
        env: &Env<'_>,
    ) -> Option<(Secret, String)> {
        let dir = (env.var)("CREDENTIALS_DIRECTORY");
        if let (Some(dir), Some(name)) = (dir.as_deref(), name) {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return match read_secret_file(&p) {
                    Ok((s, _)) => Some((s, format!("systemd credential {name}"))),
                    Err(e) => {
                        self.problem_at(table_at, key, e);
                        None
                    }
                };
            }
        }
        if env.dry_run {
            return Some(not_needed());
        }
        self.problem_at(
            table_at,
            key,
            format!(
                "missing; set password, password_file or password_env, or provide a systemd credential named \"{}\" (LoadCredential=)",
                name.unwrap_or("<name>")
            ),
        );
        None
    }
}
