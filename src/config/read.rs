//! The strict walk over the TOML document: every problem recorded with its line, column and
//! key path, and the typed reads of single values that every section uses.

use super::*;

pub(super) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

pub(super) type Item<'i> = toml::Spanned<DeValue<'i>>;

pub(super) struct Walker<'s> {
    pub(super) src: &'s str,
    pub(super) problems: Vec<Problem>,
    pub(super) warnings: Vec<String>,
    pub(super) base: PathBuf,
    /// Every policy name read, with where it stands and its policy's path, to tell a
    /// duplicate where the first one is.
    pub(super) names: Vec<(String, usize, String)>,
}

/// Hooks and their timeout as set at the top level: defaults for every policy.
#[derive(Debug, Clone, Default)]
pub(super) struct Globals {
    pub(super) on_change: Vec<String>,
    pub(super) on_error: Vec<String>,
    pub(super) hook_timeout: Option<Duration>,
}

/// The policy table being read, and where it is.
pub(super) struct Section<'t, 'i> {
    pub(super) t: &'t DeTable<'i>,
    pub(super) table_at: usize,
    pub(super) at: &'t str,
}

impl<'t, 'i> Section<'t, 'i> {
    /// The key's path for messages: `policy[0].hosts`.
    pub(super) fn key(&self, k: &str) -> String {
        format!("{}.{k}", self.at)
    }

    pub(super) fn get(&self, k: &str) -> Option<&'t Item<'i>> {
        debug_assert!(keys::is_policy_key(k), "{k} is read but not documented");
        self.t.get(k)
    }
}

/// Of several conflicting keys, the one written last: the problem is reported there.
pub(super) fn last_in_file<'t, 'i>(
    keys: &[(&'t str, &'t Item<'i>)],
) -> Option<(&'t str, &'t Item<'i>)> {
    keys.iter().copied().max_by_key(|(_, v)| v.span().start)
}

/// The keys' names, for a message.
pub(super) fn names(keys: &[(&str, &Item<'_>)]) -> String {
    keys.iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The known key closest to a typo, if one is close enough to suggest.
pub(super) fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Walker<'_> {
    pub(super) fn problem_at(&mut self, offset: usize, key: &str, message: String) {
        let (line, column) = line_col(self.src, offset);
        self.problems.push(Problem {
            line,
            column,
            key: key.to_string(),
            message,
        });
    }

    pub(super) fn into_error(mut self, path: &Path) -> Error {
        self.problems.sort_by_key(|p| (p.line, p.column));
        Error::Invalid {
            path: path.to_path_buf(),
            problems: self.problems,
        }
    }

    pub(super) fn string(&mut self, v: &Item<'_>, key: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.problem_at(
                    v.span().start,
                    key,
                    format!("must be a string, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, v: &Item<'_>, key: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.problem_at(
                    v.span().start,
                    key,
                    format!("must be true or false, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub(super) fn duration(&mut self, v: &Item<'_>, key: &str) -> Option<Duration> {
        if let DeValue::Integer(_) = v.get_ref() {
            self.problem_at(
                v.span().start,
                key,
                "durations are strings with a unit, e.g. \"30s\", \"10m\", \"25d\"".into(),
            );
            return None;
        }
        let s = self.string(v, key)?;
        match duration::parse(&s) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem_at(v.span().start, key, e);
                None
            }
        }
    }

    /// A command: a non-empty list of strings whose first is an absolute path (no shell, no
    /// PATH lookup: what runs is exactly what the file says).
    pub(super) fn command(&mut self, v: &Item<'_>, key: &str) -> Option<Vec<String>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.problem_at(
                v.span().start,
                key,
                "must be a list like [\"/usr/local/bin/notify\", \"arg\"] (no shell)".into(),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, it) in items.iter().enumerate() {
            out.push(self.string(it, &format!("{key}[{i}]"))?);
        }
        match out.first() {
            None => {
                self.problem_at(
                    v.span().start,
                    key,
                    "is empty; name the program to run".into(),
                );
                None
            }
            Some(p) if !p.starts_with('/') => {
                self.problem_at(
                    v.span().start,
                    key,
                    format!("\"{p}\" must be an absolute path (commands run without a shell or PATH lookup)"),
                );
                None
            }
            Some(_) => Some(out),
        }
    }
}
