//! Reading an input file: a recipe, a library it imports, a YAML map. Only regular files of a
//! bounded size are read (a FIFO would block forever, `/dev/zero` would fill the memory), the
//! text must be UTF-8 (an error names the line and column of the first bad byte), and a UTF-8
//! byte-order mark at the start is skipped: editors do not count it, so positions stay theirs.

use std::io::Read as _;
use std::path::Path;

use crate::model::{Origin, Problem};

/// The largest input file read: far beyond any hand-written recipe or map (the biggest
/// generated maps in the benchmarks are a few MiB), small enough to refuse a runaway file.
pub(crate) const MAX_INPUT_BYTES: u64 = 16 << 20;

const BOM: &str = "\u{feff}";

/// Why an input file can't be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InputError {
    #[error("can't read `{label}`: {}", io_reason(.error))]
    Io {
        label: String,
        // Not a `#[source]`: the message becomes a problem's one line, so the cause is part of it.
        error: std::io::Error,
    },
    #[error("`{label}` is not a regular file ({kind}): only regular files are read")]
    NotRegular { label: String, kind: &'static str },
    #[error("`{label}` is too large ({size} bytes; input files are limited to {} MiB)", MAX_INPUT_BYTES >> 20)]
    TooLarge { label: String, size: u64 },
    #[error("`{label}` is not valid UTF-8 text (the position is that of its first bad byte)")]
    NotUtf8 {
        label: String,
        line: usize,
        column: usize,
    },
}

impl InputError {
    /// Where the error is: the file, and the line and column of a bad byte.
    pub(crate) fn origin(&self) -> Origin {
        match self {
            InputError::NotUtf8 {
                label, line, column, ..
            } => Origin::at(label.as_str(), *line, *column),
            InputError::Io { label, .. }
            | InputError::NotRegular { label, .. }
            | InputError::TooLarge { label, .. } => Origin::new(label.as_str()),
        }
    }
}

impl From<InputError> for Problem {
    fn from(e: InputError) -> Self {
        let origin = e.origin();
        Problem::new(e.to_string(), origin)
    }
}

/// The text of `path`, named `label` in errors.
pub(crate) fn read(path: &Path, label: &str) -> Result<String, InputError> {
    READ.with(|r| {
        if let Some(paths) = r.borrow_mut().as_mut() {
            paths.push(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
        }
    });
    read_limited(path, label, MAX_INPUT_BYTES)
}

thread_local! {
    /// The paths read (or tried) on this thread while [`recording`] runs.
    static READ: std::cell::RefCell<Option<Vec<std::path::PathBuf>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, and tells which input files it read or tried to read on this thread (absolute):
/// what a recipe depends on, for `up --watch`.
pub(crate) fn recording<T>(f: impl FnOnce() -> T) -> (T, Vec<std::path::PathBuf>) {
    let before = READ.with(|r| r.borrow_mut().replace(Vec::new()));
    let out = f();
    let read = READ.with(|r| {
        let mut slot = r.borrow_mut();
        let read = slot.take().unwrap_or_default();
        // A recording around this one hears of these reads too.
        *slot = before.map(|mut outer| {
            outer.extend(read.iter().cloned());
            outer
        });
        read
    });
    (out, read)
}

fn read_limited(path: &Path, label: &str, limit: u64) -> Result<String, InputError> {
    let io = |error| InputError::Io {
        label: label.to_string(),
        error,
    };
    // Asked of the path before opening: opening a FIFO for reading blocks until a writer comes.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(InputError::NotRegular {
            label: label.to_string(),
            kind: kind_of(&meta.file_type()),
        });
    }
    let too_large = |size| InputError::TooLarge {
        label: label.to_string(),
        size,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    // The file may grow between the two looks: read no more than one byte past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    text_of(bytes, label)
}

/// The bytes as text, without a leading byte-order mark.
fn text_of(bytes: Vec<u8>, label: &str) -> Result<String, InputError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(match text.strip_prefix(BOM) {
            Some(rest) => rest.to_string(),
            None => text,
        }),
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = e.utf8_error().valid_up_to();
            let good = String::from_utf8_lossy(&bytes[..valid]);
            let good = good.strip_prefix(BOM).unwrap_or(&good);
            let line_start = good.rfind('\n').map_or(0, |i| i + 1);
            Err(InputError::NotUtf8 {
                label: label.to_string(),
                line: good.matches('\n').count() + 1,
                column: good[line_start..].chars().count() + 1,
            })
        }
    }
}

fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_utf8_without_its_bom() {
        // the bytes, and the text or the line and column of the bad byte
        type Case = (&'static [u8], Result<&'static str, (usize, usize)>);
        let cases: &[Case] = &[
            (b"let x = 1;\n", Ok("let x = 1;\n")),
            (b"\xef\xbb\xbflet x = 1;\n", Ok("let x = 1;\n")),
            // only a leading mark is dropped
            (b"a\xef\xbb\xbf", Ok("a\u{feff}")),
            (b"\xff", Err((1, 1))),
            (b"ab\ncd\xe9\xff", Err((2, 3))),
            (b"\xef\xbb\xbf\xc3\xa9\xff", Err((1, 2))),
            (b"a\n\n\xc3", Err((3, 1))),
        ];
        for (bytes, want) in cases {
            let got = text_of(bytes.to_vec(), "r.rhai");
            match (got, want) {
                (Ok(text), Ok(want)) => assert_eq!(text, *want),
                (Err(InputError::NotUtf8 { line, column, .. }), Err(want)) => {
                    assert_eq!((line, column), *want, "{bytes:?}");
                }
                (got, want) => panic!("{bytes:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = std::env::temp_dir().join(format!("dmap-input-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("r.rhai");
        std::fs::write(&file, "12345").expect("write");
        assert_eq!(read_limited(&file, "r.rhai", 5).expect("reads").as_str(), "12345");
        let err = read_limited(&file, "r.rhai", 4).expect_err("too large");
        assert_eq!(
            err.to_string(),
            "`r.rhai` is too large (5 bytes; input files are limited to 16 MiB)"
        );
        let err = read(&dir, "d").expect_err("a directory");
        assert_eq!(
            err.to_string(),
            "`d` is not a regular file (a directory): only regular files are read"
        );
        #[cfg(unix)]
        {
            let err = read(Path::new("/dev/zero"), "/dev/zero").expect_err("a device");
            assert_eq!(
                err.to_string(),
                "`/dev/zero` is not a regular file (a character device): only regular files are read"
            );
        }
        let err = read(&dir.join("none.rhai"), "none.rhai").expect_err("missing");
        assert_eq!(err.to_string(), "can't read `none.rhai`: no such file");
        assert_eq!(err.origin(), Origin::new("none.rhai"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
