//! A directory watched from outside the run with inotify: which names were
//! created, finished writing and removed, in the order the kernel reports
//! them. A file that existed for a millisecond is still seen, which polling
//! the directory cannot promise.

use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use rustix::io::Errno;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::path::Path;

/// What happened to a name in the watched directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Created, or renamed into the directory.
    Created(String),
    /// Closed after being opened for writing.
    Written(String),
    /// Removed, or renamed out of the directory.
    Removed(String),
}

/// An inotify watch on one directory, started before the run to observe.
pub struct DirWatch {
    fd: OwnedFd,
}

impl DirWatch {
    /// Watch `dir` (not recursively) from now on.
    pub fn start(dir: &Path) -> DirWatch {
        let fd =
            inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC).expect("inotify_init1");
        let what = WatchFlags::CREATE
            | WatchFlags::CLOSE_WRITE
            | WatchFlags::DELETE
            | WatchFlags::MOVED_FROM
            | WatchFlags::MOVED_TO
            | WatchFlags::ONLYDIR;
        inotify::add_watch(&fd, dir, what)
            .unwrap_or_else(|e| panic!("inotify_add_watch {}: {e}", dir.display()));
        DirWatch { fd }
    }

    /// Every change since [`DirWatch::start`] or the last call, in order.
    /// Panics if the kernel's queue overflowed (changes were lost).
    pub fn changes(&self) -> Vec<Change> {
        let mut buf = [MaybeUninit::uninit(); 8192];
        let mut reader = inotify::Reader::new(&self.fd, &mut buf);
        let mut changes = Vec::new();
        loop {
            let event = match reader.next() {
                Ok(event) => event,
                Err(Errno::AGAIN) => return changes,
                Err(e) => panic!("reading inotify events: {e}"),
            };
            let flags = event.events();
            assert!(
                !flags.contains(ReadFlags::QUEUE_OVERFLOW),
                "inotify lost events"
            );
            let Some(name) = event.file_name() else {
                continue;
            };
            let name = name.to_string_lossy().into_owned();
            if flags.intersects(ReadFlags::CREATE | ReadFlags::MOVED_TO) {
                changes.push(Change::Created(name));
            } else if flags.contains(ReadFlags::CLOSE_WRITE) {
                changes.push(Change::Written(name));
            } else if flags.intersects(ReadFlags::DELETE | ReadFlags::MOVED_FROM) {
                changes.push(Change::Removed(name));
            }
        }
    }
}
