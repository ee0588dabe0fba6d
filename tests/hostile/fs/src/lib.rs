//! Attacks on the file system, made straight through wasi:filesystem so that
//! every refusal comes from the host, not from a libc in between. Paths are
//! resolved against the stage's one preopened directory; `a|b` separates the
//! two paths of rename, link and symlink.

wit_bindgen::generate!({
    world: "acmebox-test:hostile/fs",
    path: ["../../../wit", "../wit"],
    generate_all,
});

use wasi::filesystem::preopens;
use wasi::filesystem::types::{Descriptor, DescriptorFlags, ErrorCode, OpenFlags, PathFlags};

struct Component;

impl Guest for Component {
    fn attack(kind: String, arg: String) -> Result<String, String> {
        if kind == "preopens" {
            let dirs = preopens::get_directories();
            return Ok(dirs
                .into_iter()
                .map(|(_, name)| name)
                .collect::<Vec<_>>()
                .join(","));
        }
        let dir = the_preopen()?;
        let follow = PathFlags::SYMLINK_FOLLOW;
        match kind.as_str() {
            "read" => {
                let file = dir
                    .open_at(follow, &arg, OpenFlags::empty(), DescriptorFlags::READ)
                    .map_err(fail("open-at"))?;
                read_all(&file)
            }
            "write" => {
                let flags = OpenFlags::CREATE | OpenFlags::TRUNCATE;
                let file = dir
                    .open_at(follow, &arg, flags, DescriptorFlags::WRITE)
                    .map_err(fail("open-at"))?;
                file.write(b"written by a hostile stage", 0)
                    .map_err(fail("write"))?;
                Ok("written".into())
            }
            "mkdir" => done(dir.create_directory_at(&arg), "create-directory-at"),
            "rmdir" => done(dir.remove_directory_at(&arg), "remove-directory-at"),
            "unlink" => done(dir.unlink_file_at(&arg), "unlink-file-at"),
            "rename" => {
                let (from, to) = two(&arg)?;
                done(dir.rename_at(from, &dir, to), "rename-at")
            }
            "link" => {
                let (from, to) = two(&arg)?;
                done(dir.link_at(PathFlags::empty(), from, &dir, to), "link-at")
            }
            "symlink" => {
                let (target, link) = two(&arg)?;
                done(dir.symlink_at(target, link), "symlink-at")
            }
            "stat" => {
                let stat = dir.stat_at(follow, &arg).map_err(fail("stat-at"))?;
                Ok(format!("{:?} of {} bytes", stat.type_, stat.size))
            }
            "list" => {
                // "." lists the preopen itself; anything else is opened first.
                let opened;
                let sub = if arg == "." {
                    &dir
                } else {
                    opened = dir
                        .open_at(follow, &arg, OpenFlags::DIRECTORY, DescriptorFlags::READ)
                        .map_err(fail("open-at"))?;
                    &opened
                };
                let entries = sub.read_directory().map_err(fail("read-directory"))?;
                let mut names = Vec::new();
                while let Some(entry) = entries
                    .read_directory_entry()
                    .map_err(fail("read-directory-entry"))?
                {
                    names.push(entry.name);
                }
                names.sort();
                Ok(names.join(","))
            }
            "call" => {
                let (function, path) = two(&arg)?;
                call(&dir, function, path)
            }
            _ => Err(format!("unknown attack {kind}")),
        }
    }
}

/// Call the path-taking wasi:filesystem/types function `function` (its WIT
/// name) on the preopen with `path` (as each of its paths), and as little
/// else as it takes to succeed where the host lets it.
fn call(dir: &Descriptor, function: &str, path: &str) -> Result<String, String> {
    use wasi::filesystem::types::NewTimestamp;
    let none = PathFlags::empty();
    let result = match function {
        "create-directory-at" => dir.create_directory_at(path).map(|()| String::new()),
        "stat-at" => dir.stat_at(none, path).map(|s| format!("{:?}", s.type_)),
        "set-times-at" => dir
            .set_times_at(none, path, NewTimestamp::Now, NewTimestamp::Now)
            .map(|()| String::new()),
        "link-at" => dir
            .link_at(none, path, dir, &format!("{path}-linked"))
            .map(|()| String::new()),
        "open-at" => dir
            .open_at(none, path, OpenFlags::empty(), DescriptorFlags::READ)
            .map(|_| String::new()),
        "readlink-at" => dir.readlink_at(path),
        "remove-directory-at" => dir.remove_directory_at(path).map(|()| String::new()),
        "rename-at" => dir.rename_at(path, dir, path).map(|()| String::new()),
        "symlink-at" => dir
            .symlink_at(path, &format!("{path}-symlinked"))
            .map(|()| String::new()),
        "unlink-file-at" => dir.unlink_file_at(path).map(|()| String::new()),
        "metadata-hash-at" => dir
            .metadata_hash_at(none, path)
            .map(|h| h.lower.to_string()),
        _ => return Err(format!("unknown function {function}")),
    };
    result
        .map(|r| format!("{function}: ok {r}"))
        .map_err(fail_named(function))
}

/// [`fail`] for a function named at run time.
fn fail_named(op: &str) -> impl Fn(ErrorCode) -> String + '_ {
    move |code| format!("{op}: {}", code.name())
}

/// The stage's only preopened directory.
fn the_preopen() -> Result<Descriptor, String> {
    let mut dirs = preopens::get_directories();
    match dirs.len() {
        1 => Ok(dirs.remove(0).0),
        n => Err(format!("{n} preopened directories, expected one")),
    }
}

fn read_all(file: &Descriptor) -> Result<String, String> {
    let mut contents = Vec::new();
    loop {
        let (chunk, end) = file
            .read(65536, contents.len() as u64)
            .map_err(fail("read"))?;
        contents.extend_from_slice(&chunk);
        if end || chunk.is_empty() {
            return Ok(String::from_utf8_lossy(&contents).into_owned());
        }
    }
}

fn two(arg: &str) -> Result<(&str, &str), String> {
    arg.split_once('|')
        .ok_or_else(|| format!("expected a|b, got {arg:?}"))
}

/// The host's answer to `op`, e.g. "open-at: not-permitted".
fn fail(op: &'static str) -> impl Fn(ErrorCode) -> String {
    move |code| format!("{op}: {}", code.name())
}

fn done(result: Result<(), ErrorCode>, op: &'static str) -> Result<String, String> {
    result.map(|()| "done".into()).map_err(fail(op))
}

export!(Component);
