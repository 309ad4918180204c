//! Writing and deleting below the output folder through folder handles
//! (`openat`, `renameat` and `unlinkat` with `O_NOFOLLOW`), never through
//! path names. [`check_target`](super::check_target) rejects symbolic links
//! first, but a folder swapped for a link after that check would send a
//! path-based write outside. A folder handle opened with `O_NOFOLLOW` is
//! never a link, so the write stays below the root.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::path::{Component, Path};
use std::time::{SystemTime, UNIX_EPOCH};

use rustix::fs::{AtFlags, CWD, Mode, OFlags};
use rustix::io::Errno;

/// Flags for opening a folder below the root: never a symbolic link.
const FOLDER: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Handles of the root and every folder down to a file, with the names of
/// the folders below the root and the file's own name.
struct Folders<'a> {
    handles: Vec<OwnedFd>,
    names: Vec<&'a OsStr>,
    file: &'a OsStr,
}

impl Folders<'_> {
    fn innermost(&self) -> &OwnedFd {
        // `open` always pushes the root first.
        &self.handles[self.handles.len() - 1]
    }
}

/// Opens the root and each folder of `relative` below it, creating missing
/// folders when `create` is set. The root itself may be a link (the user
/// named it); nothing below it may.
fn open<'a>(root: &Path, relative: &'a str, create: bool) -> io::Result<Folders<'a>> {
    let mut names = Vec::new();
    for component in Path::new(relative).components() {
        let Component::Normal(name) = component else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a plain relative path",
            ));
        };
        names.push(name);
    }
    let Some(file) = names.pop() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty path"));
    };
    let root_flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut handles = vec![rustix::fs::openat(CWD, root, root_flags, Mode::empty())?];
    for name in &names {
        let parent = &handles[handles.len() - 1];
        let handle = match rustix::fs::openat(parent, *name, FOLDER, Mode::empty()) {
            Err(Errno::NOENT) if create => {
                match rustix::fs::mkdirat(parent, *name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
                rustix::fs::openat(parent, *name, FOLDER, Mode::empty())?
            }
            other => other?,
        };
        handles.push(handle);
    }
    Ok(Folders {
        handles,
        names,
        file,
    })
}

/// Writes `bytes` to `relative` below `root` with permissions `mode`: into
/// a new temporary file in the same folder, renamed over the target, so a
/// reader never sees half a file.
pub fn write(root: &Path, relative: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
    let folders = open(root, relative, true)?;
    let folder = folders.innermost();
    let (temp_name, handle) = create_temporary(folder)?;
    let mut file = std::fs::File::from(handle);
    let written = file
        .write_all(bytes)
        .and_then(|()| rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(Into::into))
        .and_then(|()| {
            rustix::fs::renameat(folder, &temp_name, folder, folders.file).map_err(Into::into)
        });
    if written.is_err() {
        let _ = rustix::fs::unlinkat(folder, &temp_name, AtFlags::empty());
    }
    written
}

/// Creates a file no other process has opened, named `.gatekit-*`.
fn create_temporary(folder: &OwnedFd) -> io::Result<(String, OwnedFd)> {
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100 {
        let name = format!(".gatekit-{}-{nanos}-{attempt}", std::process::id());
        match rustix::fs::openat(folder, &name, flags, Mode::from_raw_mode(0o600)) {
            Ok(handle) => return Ok((name, handle)),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free name for a temporary file",
    ))
}

/// Deletes `relative` below `root` (a link itself, never its target), then
/// the folders it leaves empty. A path that is already gone is not an error.
pub fn remove(root: &Path, relative: &str) -> io::Result<()> {
    let folders = match open(root, relative, false) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    match rustix::fs::unlinkat(folders.innermost(), folders.file, AtFlags::empty()) {
        Ok(()) | Err(Errno::NOENT) => {}
        Err(e) => return Err(e.into()),
    }
    for (depth, name) in folders.names.iter().enumerate().rev() {
        let parent = &folders.handles[depth];
        if rustix::fs::unlinkat(parent, *name, AtFlags::REMOVEDIR).is_err() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a root whose `kong` folder is a link to a folder outside it,
    /// as if it had been swapped in after `check_target` ran.
    fn swapped() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("gw");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("kong")).unwrap();
        (dir, root, outside)
    }

    #[test]
    fn write_refuses_swapped_folder() {
        let (_dir, root, outside) = swapped();
        let result = write(&root, "kong/kong.yaml", b"x: 1\n", 0o644);
        assert!(result.is_err(), "{result:?}");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn remove_refuses_swapped_folder() {
        let (_dir, root, outside) = swapped();
        std::fs::write(outside.join("kong.yaml"), "x: 1\n").unwrap();
        let result = remove(&root, "kong/kong.yaml");
        assert!(result.is_err(), "{result:?}");
        assert!(outside.join("kong.yaml").is_file());
    }

    #[test]
    fn write_creates_folders_and_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a/b/run.sh", b"#!/bin/sh\n", 0o755).unwrap();
        let meta = std::fs::metadata(dir.path().join("a/b/run.sh")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o755);
        remove(dir.path(), "a/b/run.sh").unwrap();
        assert!(!dir.path().join("a").exists());
    }
}
