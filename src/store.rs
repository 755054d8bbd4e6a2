//! The state file: the records of [`crate::record`] on disk, across restarts.
//!
//! Only file I/O lives here. Writes are atomic (temporary file, fsync, rename, fsync of the
//! directory), so a power cut leaves either the old or the new file. A file that cannot be
//! read is never overwritten: it is renamed aside and the error says where.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::record::{PolicyRecord, Verdict};

/// The state file format written by this version.
pub const VERSION: u32 = 1;
/// The state file's name inside the state directory.
pub const FILE_NAME: &str = "state.json";

/// The file's content: every policy's record, by policy name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// Format version.
    pub version: u32,
    /// Per policy.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicyRecord>,
    /// Verdicts that bind every policy at a server or of an account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verdicts: Vec<Verdict>,
}

impl Default for StateFile {
    /// An empty state of this version.
    fn default() -> Self {
        StateFile {
            version: VERSION,
            policies: BTreeMap::new(),
            verdicts: Vec::new(),
        }
    }
}

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file exists but is not a state file this version can read; it was moved aside.
    #[error("{path}: unreadable state file ({why}); kept as {kept} and starting from empty state")]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What was wrong.
        why: String,
        /// Where the bad file now is.
        kept: PathBuf,
    },
    /// Reading failed for a reason other than absence.
    #[error("{path}: cannot read the state file: {source}")]
    Read {
        /// The state file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The state directory cannot be made.
    #[error("{path}: cannot create the state directory: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Writing failed; the previous file is intact.
    #[error("{path}: cannot write the state file: {source}")]
    Write {
        /// The state file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// The state directory: `$STATE_DIRECTORY` (systemd; the first of a colon list) wins, then
/// the config's `state_dir`, then the default.
pub fn state_dir(configured: Option<&Path>, env_state_directory: Option<String>) -> PathBuf {
    if let Some(s) = env_state_directory.filter(|s| !s.is_empty())
        && let Some(first) = s.split(':').next()
    {
        return PathBuf::from(first);
    }
    configured
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(crate::config::DEFAULT_STATE_DIR))
}

/// Checks a parsed file's version.
fn check(state: StateFile) -> Result<StateFile, String> {
    if state.version > VERSION {
        return Err(format!(
            "written by a newer dynward (format {}; this version reads {VERSION})",
            state.version
        ));
    }
    if state.version == 0 {
        return Err("format version 0 is not valid".into());
    }
    Ok(state)
}

/// Reads the state file in `dir`. A missing file is an empty state. A file that cannot be
/// parsed is renamed to `state.json.bad-<unix time>` and reported; the caller then starts
/// from an empty state with the error logged.
pub fn load(dir: &Path, now: u64) -> Result<StateFile, Error> {
    let path = dir.join(FILE_NAME);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(StateFile::default()),
        Err(source) => return Err(Error::Read { path, source }),
    };
    let parsed = serde_json::from_slice::<StateFile>(&bytes)
        .map_err(|e| e.to_string())
        .and_then(check);
    match parsed {
        Ok(s) => Ok(s),
        Err(why) => {
            let why = if bytes.is_empty() {
                "the file is empty".to_string()
            } else {
                why
            };
            let kept = dir.join(format!("{FILE_NAME}.bad-{now}"));
            fs::rename(&path, &kept).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            Err(Error::Corrupt { path, why, kept })
        }
    }
}

/// The file holding the key of the config fingerprints, beside the state file.
pub const KEY_FILE: &str = "fingerprint.key";

/// The key config fingerprints are made with: read from [`KEY_FILE`], or made (random, 32
/// bytes) when there is none, and written (mode 0600) when `create` is set. Keeping it out of
/// the state file means a copied state file cannot be used to test password guesses.
pub fn fingerprint_key(dir: &Path, create: bool) -> Result<crate::config::FingerprintKey, Error> {
    use ring::rand::SecureRandom;
    let path = dir.join(KEY_FILE);
    match fs::read(&path) {
        Ok(bytes) => match <[u8; 32]>::try_from(bytes.as_slice()) {
            Ok(key) => return Ok(crate::config::FingerprintKey::new(key, false)),
            // A new key is safe (records it cannot check are taken over without counting as
            // a change), but the user should know why a config edit went unnoticed.
            Err(_) => tracing::warn!(
                "{}: not a fingerprint key ({} bytes, 32 expected); {}, so a config change made before now is not noticed",
                path.display(),
                bytes.len(),
                if create {
                    "a new one replaces it"
                } else {
                    "it is ignored"
                }
            ),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        // Unreadable is not missing: never overwrite what could not be read.
        Err(source) => return Err(Error::Read { path, source }),
    }
    let mut key = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| Error::Write {
            path: path.clone(),
            source: io::Error::other("no randomness for the fingerprint key"),
        })?;
    if create {
        write_atomically(dir, &path, &key)?;
    }
    Ok(crate::config::FingerprintKey::new(key, true))
}

/// The state as a driver starts from it.
#[derive(Debug)]
pub struct Opened {
    /// The records and verdicts, the verdicts brought into the present clock's frame.
    pub state: StateFile,
    /// The file was corrupt (and is kept aside): the state is empty; the error to report.
    pub corrupt: Option<Error>,
    /// The verdicts were recorded ahead of the clock, or before it was set, and moved, in
    /// words for the log.
    pub moved: Option<String>,
}

/// What the drivers and `status` without a daemon do first: create the directory when
/// `create` is set, [`load`] the file, go on from an empty state when it is corrupt (it was
/// kept aside; the error is returned to report), and
/// bring the verdicts into the present clock's frame. Other errors (the file cannot be read
/// at all) are returned as they are: nothing may be sent that could not be remembered.
pub fn open(dir: &Path, now: u64, create: bool) -> Result<Opened, Error> {
    if create {
        fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let (mut state, corrupt) = match load(dir, now) {
        Ok(s) => (s, None),
        Err(e @ Error::Corrupt { .. }) => (StateFile::default(), Some(e)),
        Err(e) => return Err(e),
    };
    let d = crate::record::rebase_verdicts(&mut state.verdicts, now);
    let moved = (d != 0).then(|| {
        format!(
            "verdicts on clients and accounts {}; moved {}",
            if d < 0 {
                "lay ahead of the clock"
            } else {
                "predate the clock being set"
            },
            crate::record::describe_move(d)
        )
    });
    Ok(Opened {
        state,
        corrupt,
        moved,
    })
}

/// Writes the records given, in name order, as the state file. The drivers keep each
/// policy's record inside its machine, so the file is written from references rather than
/// from a second copy.
pub fn save_records<'a>(
    dir: &Path,
    records: impl IntoIterator<Item = (&'a str, &'a PolicyRecord)>,
    verdicts: &[Verdict],
) -> Result<(), Error> {
    #[derive(Serialize)]
    struct View<'a> {
        version: u32,
        policies: BTreeMap<&'a str, &'a PolicyRecord>,
        #[serde(skip_serializing_if = "<[Verdict]>::is_empty")]
        verdicts: &'a [Verdict],
    }
    save(
        dir,
        &View {
            version: VERSION,
            policies: records.into_iter().collect(),
            verdicts,
        },
    )
}

/// Writes the state atomically: a temporary file in the same directory, fsync, rename over the
/// old file, fsync of the directory. Mode 0600: the file names the user's hosts.
pub fn save(dir: &Path, state: &impl Serialize) -> Result<(), Error> {
    let path = dir.join(FILE_NAME);
    let mut json = serde_json::to_vec_pretty(state).map_err(|e| Error::Write {
        path: path.clone(),
        source: io::Error::other(e),
    })?;
    json.push(b'\n');
    write_atomically(dir, &path, &json)
}

/// Writes `bytes` as `path` (in `dir`) atomically, mode 0600: a temporary file, fsync, rename,
/// fsync of the directory. A failure leaves the old file whole. A file that already holds
/// exactly `bytes` is not written again: on a router's flash every write wears it, and the
/// daemon saves at start, on reload and at stop whether or not anything changed.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::os::unix::fs::OpenOptionsExt;
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(FILE_NAME);
    let tmp = dir.join(format!(".{name}.tmp"));
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(werr)?;
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StateFile {
        let mut s = StateFile::default();
        s.policies.insert("home".into(), crate::record::sample());
        s
    }

    /// What is saved loads back equal; the file is 0600 and no temp file is left behind.
    #[test]
    fn what_is_saved_loads_back_equal_from_a_0600_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let s = sample();
        save(dir.path(), &s).expect("save");
        assert_eq!(load(dir.path(), 0).expect("load"), s);
        let mode = fs::metadata(dir.path().join(FILE_NAME))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("e").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(FILE_NAME)]);
    }

    /// Missing file: empty state of the current version.
    #[test]
    fn a_missing_file_is_an_empty_state_of_this_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = load(dir.path(), 0).expect("load");
        assert_eq!(s.version, VERSION);
        assert!(s.policies.is_empty());
    }

    /// Truncated, empty, garbage and future files: a clear error, the file kept aside intact.
    #[test]
    fn bad_files_are_kept_aside() {
        let good = serde_json::to_string(&sample()).expect("json");
        let future = good.replacen("\"version\":1", "\"version\":9", 1);
        for (content, why) in [
            (good[..good.len() / 2].to_string(), "EOF"),
            (String::new(), "empty"),
            ("garbage\u{0}".to_string(), "expected"),
            (future, "newer dynward"),
            (
                good.replacen("\"policies\"", "\"surprise\":1,\"policies\"", 1),
                "unknown field",
            ),
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            fs::write(dir.path().join(FILE_NAME), &content).expect("write");
            let err = load(dir.path(), 42).expect_err("must fail");
            let msg = err.to_string();
            assert!(msg.contains(why), "{msg}");
            assert!(msg.contains("state.json.bad-42"), "{msg}");
            let kept = fs::read_to_string(dir.path().join("state.json.bad-42")).expect("kept");
            assert_eq!(kept, content, "the bad file is kept byte for byte");
            assert!(!dir.path().join(FILE_NAME).exists());
        }
    }

    /// The fingerprint key: made once (0600, its own file, not in the state file), then read
    /// back the same; a look without `create` writes nothing.
    #[test]
    fn the_fingerprint_key_is_made_once_in_its_own_0600_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let look = fingerprint_key(dir.path(), false).expect("key");
        assert!(look.fresh && !dir.path().join(KEY_FILE).exists());
        let made = fingerprint_key(dir.path(), true).expect("key");
        assert!(made.fresh);
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = fingerprint_key(dir.path(), true).expect("key");
        assert!(!again.fresh);
        assert_eq!(again.bytes(), made.bytes());

        // Not a key: replaced. Unreadable: an error naming the file, nothing overwritten.
        fs::write(dir.path().join(KEY_FILE), b"short").expect("write");
        let replaced = fingerprint_key(dir.path(), true).expect("key");
        assert!(replaced.fresh);
        assert_eq!(fs::read(dir.path().join(KEY_FILE)).expect("read").len(), 32);
        let odd = tempfile::tempdir().expect("tempdir");
        fs::create_dir(odd.path().join(KEY_FILE)).expect("mkdir");
        let err = fingerprint_key(odd.path(), true).expect_err("a directory is no key");
        assert!(err.to_string().contains(KEY_FILE), "{err}");
        assert!(odd.path().join(KEY_FILE).is_dir());
    }

    /// $STATE_DIRECTORY wins, then the config, then the default.
    #[test]
    fn state_directory_wins_then_the_config_then_the_default() {
        let cfg = Path::new("/cfg");
        assert_eq!(
            state_dir(Some(cfg), Some("/run/a:/run/b".into())),
            PathBuf::from("/run/a")
        );
        assert_eq!(
            state_dir(Some(cfg), Some(String::new())),
            PathBuf::from("/cfg")
        );
        assert_eq!(
            state_dir(None, None),
            PathBuf::from(crate::config::DEFAULT_STATE_DIR)
        );
    }

    /// Saving what the file already holds writes nothing (its inode and time stay: an atomic
    /// write would have renamed a new file over it); a change is written.
    #[test]
    fn an_unchanged_state_is_not_written_again() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        save(dir.path(), &sample()).expect("save");
        let first = fs::metadata(&path).expect("stat");
        save(dir.path(), &sample()).expect("save again");
        let again = fs::metadata(&path).expect("stat");
        assert_eq!(
            (again.ino(), again.mtime(), again.mtime_nsec()),
            (first.ino(), first.mtime(), first.mtime_nsec())
        );
        save(dir.path(), &StateFile::default()).expect("save a change");
        assert_ne!(fs::metadata(&path).expect("stat").ino(), first.ino());
        assert_eq!(load(dir.path(), 0).expect("load"), StateFile::default());
    }

    /// A failed write leaves the previous file intact (the temp path is made unwritable by
    /// putting a directory there, which fails for root too).
    #[test]
    fn failed_write_keeps_old() {
        let dir = tempfile::tempdir().expect("tempdir");
        save(dir.path(), &sample()).expect("save");
        fs::create_dir(dir.path().join(format!(".{FILE_NAME}.tmp"))).expect("mkdir");
        let err = save(dir.path(), &StateFile::default()).expect_err("temp path blocked");
        assert!(err.to_string().contains("cannot write"), "{err}");
        assert_eq!(load(dir.path(), 0).expect("load"), sample());
    }
}
