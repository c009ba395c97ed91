//! Writing a context as a tar: sorted walks, fixed owner and time, normalised modes, symlinks as
//! links, `.dockerignore` applied per added directory; streamed, so a big tree never sits in
//! memory. The same inputs give the same bytes on any checkout and umask.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use tar::{EntryType, Header};

use super::ignore::{Ignore, MatchInfo};
use super::{Context, ContextError, Entry, EntrySource};

/// What the walk of a context's sources hands each of them to: the tar, or the list of the
/// files of this machine the context holds.
trait Sink {
    /// A file, link or directory at `path`, under `arcname`.
    fn put(&mut self, path: &Path, meta: &fs::Metadata, arcname: &str) -> Result<(), ContextError>;
    /// An archive the build extracts, as the file it is.
    fn archive(&mut self, path: &Path, meta: &fs::Metadata, arcname: &str) -> Result<(), ContextError>;
}

impl<W: Write> Sink for tar::Builder<W> {
    fn put(&mut self, path: &Path, meta: &fs::Metadata, arcname: &str) -> Result<(), ContextError> {
        one(self, path, meta, arcname)
    }

    fn archive(&mut self, path: &Path, meta: &fs::Metadata, arcname: &str) -> Result<(), ContextError> {
        file(self, path, meta, arcname)
    }
}

/// The paths a context holds, in the tar's order.
struct Listed(Vec<std::path::PathBuf>);

impl Sink for Listed {
    fn put(&mut self, path: &Path, _: &fs::Metadata, _: &str) -> Result<(), ContextError> {
        self.0.push(path.to_path_buf());
        Ok(())
    }

    fn archive(&mut self, path: &Path, meta: &fs::Metadata, arcname: &str) -> Result<(), ContextError> {
        self.put(path, meta, arcname)
    }
}

/// The files, links and directories of this machine the context holds (`.dockerignore`
/// applied), as its tar would hold them.
pub(super) fn files(context: &Context) -> Result<Vec<std::path::PathBuf>, ContextError> {
    let mut listed = Listed(Vec::new());
    for entry in &context.entries {
        add(&mut listed, entry)?;
    }
    Ok(listed.0)
}

/// Writes the context's tar to `out`.
pub(super) fn write<W: Write>(context: &Context, out: W) -> Result<W, ContextError> {
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(false);
    for entry in &context.entries {
        add(&mut tar, entry)?;
    }
    let dockerfile = context.dockerfile.as_bytes();
    let mut header = header(EntryType::Regular, 0o644, dockerfile.len() as u64);
    tar.append_data(&mut header, "Dockerfile", dockerfile)
        .map_err(|e| ContextError::io("Dockerfile", e))?;
    tar.into_inner().map_err(|e| ContextError::io("the context", e))
}

fn header(kind: EntryType, mode: u32, size: u64) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// 0755 for directories and for files with any execute bit, 0644 otherwise.
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    if meta.is_dir() || meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    }
}

fn add(sink: &mut impl Sink, entry: &Entry) -> Result<(), ContextError> {
    let path = entry.path();
    let meta = fs::symlink_metadata(&path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ContextError::Missing {
            written: entry.written.clone(),
            trace: Box::new(entry.trace.clone()),
        },
        _ => ContextError::io(&path.display().to_string(), e),
    })?;
    match &entry.source {
        EntrySource::Archive => sink.archive(&path, &meta, &entry.arcname),
        EntrySource::Path if meta.is_dir() => directory(sink, &path, &entry.arcname),
        EntrySource::Path => sink.put(&path, &meta, &entry.arcname),
    }
}

/// One file, link or (empty) directory entry.
fn one<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &Path,
    meta: &fs::Metadata,
    arcname: &str,
) -> Result<(), ContextError> {
    let fail = |e| ContextError::io(&path.display().to_string(), e);
    if meta.file_type().is_symlink() {
        let target = fs::read_link(path).map_err(fail)?;
        let mut h = header(EntryType::Symlink, 0o777, 0);
        return tar.append_link(&mut h, arcname, &target).map_err(fail);
    }
    if meta.is_dir() {
        let mut h = header(EntryType::Directory, 0o755, 0);
        return tar
            .append_data(&mut h, format!("{arcname}/"), io::empty())
            .map_err(fail);
    }
    file(tar, path, meta, arcname)
}

fn file<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &Path,
    meta: &fs::Metadata,
    arcname: &str,
) -> Result<(), ContextError> {
    let fail = |e| ContextError::io(&path.display().to_string(), e);
    if !meta.is_file() {
        return Err(ContextError::io(
            &path.display().to_string(),
            io::Error::other("not a regular file, directory or symlink"),
        ));
    }
    let reader = fs::File::open(path).map_err(fail)?;
    let mut h = header(EntryType::Regular, mode_of(meta), meta.len());
    tar.append_data(&mut h, arcname, reader).map_err(fail)
}

/// A directory and everything below it, sorted, its `.dockerignore` applied as the docker CLI
/// does (an excluded directory is skipped whole unless an exception reaches into it).
fn directory(sink: &mut impl Sink, root: &Path, arcname: &str) -> Result<(), ContextError> {
    let ignore_path = root.join(".dockerignore");
    let ignore = match fs::read_to_string(&ignore_path) {
        // The CLI always sends the `.dockerignore` itself.
        Ok(text) => {
            Ignore::parse(&format!("{text}\n!.dockerignore")).map_err(|error| ContextError::Ignore {
                path: ignore_path.display().to_string(),
                error,
            })?
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ignore::default(),
        Err(e) => return Err(ContextError::io(&ignore_path.display().to_string(), e)),
    };
    if !arcname.is_empty() {
        let meta =
            fs::symlink_metadata(root).map_err(|e| ContextError::io(&root.display().to_string(), e))?;
        sink.put(root, &meta, arcname)?;
    }
    let mut walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    // Per depth, what the directory being walked there hands to its entries.
    let mut infos: Vec<MatchInfo> = Vec::new();
    while let Some(item) = walk.next() {
        let item = item.map_err(|e| {
            let path = e
                .path()
                .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
            ContextError::io(&path, io::Error::other(e.to_string()))
        })?;
        let rel = item
            .path()
            .strip_prefix(root)
            .map_err(|_| {
                ContextError::io(
                    &item.path().display().to_string(),
                    io::Error::other("outside its directory"),
                )
            })?
            .to_string_lossy()
            .replace('\\', "/");
        // The rendered Dockerfile replaces one at the root of the context.
        if arcname.is_empty() && rel == "Dockerfile" && !item.file_type().is_dir() {
            continue;
        }
        if !ignore.is_empty() {
            // Decided with the results of the entry's directory, as Docker's walk decides.
            let depth = item.depth();
            let parent = depth
                .checked_sub(1)
                .filter(|d| *d >= 1)
                .and_then(|d| infos.get(d));
            let (excluded, info) = ignore.excludes_in_walk(&rel, parent);
            if item.file_type().is_dir() {
                infos.truncate(depth);
                infos.resize(depth, MatchInfo::default());
                infos.push(info);
            }
            if excluded {
                if item.file_type().is_dir() && ignore.skips_dir(&rel) {
                    walk.skip_current_dir();
                }
                continue;
            }
        }
        let meta = item.metadata().map_err(|e| {
            ContextError::io(
                &item.path().display().to_string(),
                io::Error::other(e.to_string()),
            )
        })?;
        let name = if arcname.is_empty() {
            rel
        } else {
            format!("{arcname}/{rel}")
        };
        sink.put(item.path(), &meta, &name)?;
    }
    Ok(())
}
