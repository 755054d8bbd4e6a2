//! What the config points at outside itself: the password from a file, the environment or
//! a systemd credential, and who may read files that hold secrets. The only I/O of the
//! config, apart from reading the file.

use super::*;

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
    if first.is_empty() {
        return Err(format!("{} is empty", p.display()));
    }
    Ok((Secret::new(first), meta.permissions().mode() & 0o077 != 0))
}

impl Walker<'_> {
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
            Some(("password", v)) => match v.get_ref() {
                DeValue::String(s) if !s.is_empty() => {
                    Some((Secret::new(s.to_string()), INLINE_PASSWORD.into()))
                }
                DeValue::String(_) => {
                    self.problem_at(v.span().start, &key("password"), "is empty".into());
                    None
                }
                other => {
                    self.problem_at(
                        v.span().start,
                        &key("password"),
                        format!("must be a string, found {}", other.type_str()),
                    );
                    None
                }
            },
            Some(("password_file", v)) => {
                let s = self.string(v, &key("password_file"))?;
                let p = self.base.join(&s);
                match read_secret_file(&p) {
                    Ok((secret, loose)) => {
                        if loose {
                            self.warnings.push(format!(
                                "{}: password file {} is readable by group or others; run: chmod 600 {}",
                                key("password_file"),
                                p.display(),
                                p.display()
                            ));
                        }
                        Some((secret, format!("password_file {}", p.display())))
                    }
                    Err(e) => {
                        self.problem_at(v.span().start, &key("password_file"), e);
                        None
                    }
                }
            }
            Some((_, v)) => {
                let var = self.string(v, &key("password_env"))?;
                match (env.var)(&var) {
                    Some(s) if !s.is_empty() => {
                        Some((Secret::new(s), format!("environment variable {var}")))
                    }
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
            None => {
                let dir = (env.var)("CREDENTIALS_DIRECTORY");
                if let (Some(dir), Some(name)) = (dir.as_deref(), name) {
                    let p = Path::new(dir).join(name);
                    if p.is_file() {
                        return match read_secret_file(&p) {
                            Ok((s, _)) => Some((s, format!("systemd credential {name}"))),
                            Err(e) => {
                                self.problem_at(table_at, &key("password"), e);
                                None
                            }
                        };
                    }
                }
                self.problem_at(
                    table_at,
                    &key("password"),
                    format!(
                        "missing; set password, password_file or password_env, or provide a systemd credential named \"{}\" (LoadCredential=)",
                        name.unwrap_or("<name>")
                    ),
                );
                None
            }
        }
    }
}
