//! Whether a file of this machine is a statically linked executable: an ELF executable (or
//! static PIE) that names no program interpreter (no `PT_INTERP` program header), so it runs
//! in an image `FROM scratch` without a C library. Debian's busybox-static is one; the
//! `/bin/busybox` of other distributions often is not.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

/// The most program headers read: far more than any executable has.
const MAX_PROGRAM_HEADERS: usize = 1024;

/// Whether `path` is a regular, executable file holding a statically linked ELF executable.
/// Anything unreadable is not.
pub(crate) fn is_static_executable(path: &Path) -> bool {
    read(path).unwrap_or(false)
}

fn read(path: &Path) -> std::io::Result<bool> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() || !executable(&meta) {
        return Ok(false);
    }
    let mut file = std::fs::File::open(path)?;
    let mut header = [0u8; 64];
    file.read_exact(&mut header)?;
    let Some(table) = Header::parse(&header) else {
        return Ok(false);
    };
    let mut headers = vec![0u8; table.count * table.entry_size];
    file.seek(SeekFrom::Start(table.offset))?;
    file.read_exact(&mut headers)?;
    Ok(!table.names_an_interpreter(&headers))
}

#[cfg(unix)]
fn executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_: &std::fs::Metadata) -> bool {
    true
}

/// Where an ELF executable's program headers are, and how to read them.
#[derive(Debug, PartialEq)]
struct Header {
    little_endian: bool,
    offset: u64,
    entry_size: usize,
    count: usize,
}

impl Header {
    /// The program header table of an ELF executable (`ET_EXEC`, or `ET_DYN` as PIEs are);
    /// `None` for anything else.
    fn parse(bytes: &[u8; 64]) -> Option<Header> {
        if bytes[..4] != *b"\x7fELF" {
            return None;
        }
        let wide = match bytes[4] {
            1 => false,
            2 => true,
            _ => return None,
        };
        let little_endian = match bytes[5] {
            1 => true,
            2 => false,
            _ => return None,
        };
        let number = |at: usize, len: usize| uint(&bytes[at..at + len], little_endian);
        // e_type: ET_EXEC or ET_DYN
        if !matches!(number(16, 2), 2 | 3) {
            return None;
        }
        let (offset, entry_size, count) = if wide {
            (number(32, 8), number(54, 2), number(56, 2))
        } else {
            (number(28, 4), number(42, 2), number(44, 2))
        };
        let entry_size = usize::try_from(entry_size).ok()?;
        let count = usize::try_from(count).ok()?;
        if entry_size < 4 || count == 0 || count > MAX_PROGRAM_HEADERS {
            return None;
        }
        Some(Header {
            little_endian,
            offset,
            entry_size,
            count,
        })
    }

    /// Whether the program headers (`count` entries of `entry_size` bytes) hold a `PT_INTERP`.
    fn names_an_interpreter(&self, headers: &[u8]) -> bool {
        const PT_INTERP: u64 = 3;
        headers
            .chunks_exact(self.entry_size)
            .any(|entry| uint(&entry[..4], self.little_endian) == PT_INTERP)
    }
}

/// An unsigned number of up to 8 bytes.
fn uint(bytes: &[u8], little_endian: bool) -> u64 {
    let fold = |n: u64, b: &u8| (n << 8) | u64::from(*b);
    if little_endian {
        bytes.iter().rev().fold(0, fold)
    } else {
        bytes.iter().fold(0, fold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ELF file: 64-bit or not, little-endian or not, of type `kind`, with program headers
    /// of the types given (each 56 or 32 bytes, placed after the 64 bytes of the file header).
    fn elf(wide: bool, little: bool, kind: u16, program_headers: &[u32]) -> Vec<u8> {
        let put = |out: &mut Vec<u8>, at: usize, n: u64, len: usize| {
            let bytes = n.to_be_bytes();
            let mut field = bytes[8 - len..].to_vec();
            if little {
                field.reverse();
            }
            out[at..at + len].copy_from_slice(&field);
        };
        let entry: u64 = if wide { 56 } else { 32 };
        let mut out = vec![0u8; 64];
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = if wide { 2 } else { 1 };
        out[5] = if little { 1 } else { 2 };
        put(&mut out, 16, u64::from(kind), 2);
        if wide {
            put(&mut out, 32, 64, 8);
            put(&mut out, 54, entry, 2);
            put(&mut out, 56, program_headers.len() as u64, 2);
        } else {
            put(&mut out, 28, 64, 4);
            put(&mut out, 42, entry, 2);
            put(&mut out, 44, program_headers.len() as u64, 2);
        }
        for kind in program_headers {
            let mut ph = vec![0u8; usize::try_from(entry).unwrap()];
            put(&mut ph, 0, u64::from(*kind), 4);
            out.extend(ph);
        }
        out
    }

    #[test]
    fn static_means_an_elf_executable_without_an_interpreter() {
        const LOAD: u32 = 1;
        const INTERP: u32 = 3;
        const NOTE: u32 = 4;
        // (the file's bytes, whether it is a static executable)
        let cases: Vec<(Vec<u8>, bool)> = vec![
            (elf(true, true, 2, &[LOAD, NOTE]), true),
            // a static PIE is ET_DYN
            (elf(true, true, 3, &[LOAD, LOAD]), true),
            (elf(false, true, 2, &[LOAD]), true),
            (elf(true, false, 2, &[LOAD]), true),
            (elf(false, false, 2, &[LOAD]), true),
            (elf(true, true, 3, &[6, INTERP, LOAD]), false),
            (elf(false, false, 2, &[INTERP, LOAD]), false),
            (elf(true, false, 2, &[LOAD, INTERP]), false),
            // a relocatable object, a core file
            (elf(true, true, 1, &[LOAD]), false),
            (elf(true, true, 4, &[LOAD]), false),
            (elf(true, true, 2, &[]), false),
            (
                b"#!/bin/sh\necho not an ELF file, but long enough to have a header of sixty-four bytes\n"
                    .to_vec(),
                false,
            ),
            (b"\x7fELF".to_vec(), false),
            // the table is cut short
            (elf(true, true, 2, &[LOAD])[..100].to_vec(), false),
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        for (i, (bytes, want)) in cases.into_iter().enumerate() {
            let path = dir.path().join(format!("f{i}"));
            std::fs::write(&path, &bytes).expect("write");
            set_mode(&path, 0o755);
            assert_eq!(is_static_executable(&path), want, "case {i}");
            if want {
                // not executable: not an executable
                set_mode(&path, 0o644);
                assert!(!is_static_executable(&path), "case {i}, mode 644");
            }
        }
        assert!(!is_static_executable(dir.path()));
        assert!(!is_static_executable(&dir.path().join("none")));
        // The test binary links the C library dynamically.
        let me = std::env::current_exe().expect("the test binary");
        assert!(!is_static_executable(&me), "{}", me.display());
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[cfg(not(unix))]
    fn set_mode(_: &Path, _: u32) {}
}
