//! Writing and deleting below the output folder through folder handles
//! (`openat`, `renameat` and `unlinkat` with `O_NOFOLLOW`), never through
//! path names. [`check_target`](super::check_target) rejects symbolic links
//! first, but a folder swapped for a link after that check would send a
//! path-based write outside. A folder handle opened with `O_NOFOLLOW` is
//! never a link, so the write stays below the root.

use std::collections::HashMap;
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
        let handle = open_folder(&handles[handles.len() - 1], name, create)?;
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
    write_in(folders.innermost(), folders.file, bytes, mode)
}

/// Writes many files below one root, opening each folder once. A folder
/// opened here stays open until the writer is dropped. Writes go through
/// that handle, so a folder swapped for a link afterwards cannot redirect
/// them.
pub struct Writer<'a> {
    root: &'a Path,
    /// Folder handles by path relative to the root; `""` is the root.
    folders: HashMap<String, OwnedFd>,
}

impl<'a> Writer<'a> {
    pub fn new(root: &'a Path) -> Writer<'a> {
        Writer {
            root,
            folders: HashMap::new(),
        }
    }

    /// Writes one file, as [`write`] does.
    pub fn write(&mut self, relative: &str, bytes: &[u8], mode: u32) -> io::Result<()> {
        for segment in relative.split('/') {
            plain(segment)?;
        }
        let (dir, file) = relative.rsplit_once('/').unwrap_or(("", relative));
        self.open(dir)?;
        write_in(&self.folders[dir], OsStr::new(file), bytes, mode)
    }

    /// Opens `dir` and every folder above it that is not open yet, creating
    /// missing ones.
    fn open(&mut self, dir: &str) -> io::Result<()> {
        if self.folders.contains_key(dir) {
            return Ok(());
        }
        let handle = if dir.is_empty() {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            rustix::fs::openat(CWD, self.root, flags, Mode::empty())?
        } else {
            let (parent, name) = dir.rsplit_once('/').unwrap_or(("", dir));
            self.open(parent)?;
            open_folder(&self.folders[parent], OsStr::new(name), true)?
        };
        self.folders.insert(dir.to_string(), handle);
        Ok(())
    }
}

/// Checks that `name` is one plain path segment.
fn plain(name: &str) -> io::Result<&OsStr> {
    match Path::new(name).components().collect::<Vec<_>>().as_slice() {
        [Component::Normal(segment)] if *segment == OsStr::new(name) => Ok(segment),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a plain relative path",
        )),
    }
}

/// Opens the folder `name` inside `parent`, never through a link, and
/// creates it first when it is missing and `create` is set.
fn open_folder(parent: &OwnedFd, name: &OsStr, create: bool) -> io::Result<OwnedFd> {
    match rustix::fs::openat(parent, name, FOLDER, Mode::empty()) {
        Err(Errno::NOENT) if create => {
            match rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(0o777)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
            Ok(rustix::fs::openat(parent, name, FOLDER, Mode::empty())?)
        }
        other => Ok(other?),
    }
}

/// Writes `bytes` to the file `name` in `folder` through a temporary file.
fn write_in(folder: &OwnedFd, name: &OsStr, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (temp_name, handle) = create_temporary(folder)?;
    let mut file = std::fs::File::from(handle);
    let written = file
        .write_all(bytes)
        .and_then(|()| rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(Into::into))
        .and_then(|()| rustix::fs::renameat(folder, &temp_name, folder, name).map_err(Into::into));
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
    fn writer_refuses_swapped_folder() {
        let (_dir, root, outside) = swapped();
        let mut writer = Writer::new(&root);
        writer.write("top.yaml", b"x: 1\n", 0o644).unwrap();
        let result = writer.write("kong/kong.yaml", b"x: 1\n", 0o644);
        assert!(result.is_err(), "{result:?}");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        assert!(root.join("top.yaml").is_file());
    }

    #[test]
    fn writer_rejects_paths_that_climb() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("gw");
        std::fs::create_dir_all(&root).unwrap();
        let mut writer = Writer::new(&root);
        for path in ["../x", "a/../../x", "/etc/x", "a//b", "./x", "a/.."] {
            assert!(writer.write(path, b"x", 0o644).is_err(), "{path}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn writer_opens_each_folder_once() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut writer = Writer::new(dir.path());
        writer.write("a/b/one.yaml", b"1", 0o644).unwrap();
        writer.write("a/b/run.sh", b"2", 0o755).unwrap();
        writer.write("a/two.yaml", b"3", 0o644).unwrap();
        assert_eq!(writer.folders.len(), 3);
        let meta = std::fs::metadata(dir.path().join("a/b/run.sh")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o755);
        assert_eq!(std::fs::read(dir.path().join("a/two.yaml")).unwrap(), b"3");
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
