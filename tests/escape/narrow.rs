//! The rows of grants down to the file (host/src/names.rs, narrow.rs): inside
//! its one directory a stage may use only the names its grant lists, one
//! plain name at a time, and no subdirectory. Each refusal is the host's
//! `not-permitted` on a path wasmtime-wasi alone would have let through
//! (inside the preopen, writable), except the first row, which shows the
//! key of acme-client's default layout out of file-writer's reach through
//! both walls.

use crate::support::*;
use acmebox::narrow::PATH_FUNCTIONS;
use acmebox::stage::Stage;

/// The key of acme-client's default layout, `certs/private/privkey.pem`,
/// and its copy in `private/` inside file-writer's staging directory, are
/// what they were.
fn keys_untouched(scene: &Scene) {
    let key = scene.cert_dir().join("private/privkey.pem");
    let copy = scene.dir_of(Stage::FileWriter).join("private/privkey.pem");
    for k in [key, copy] {
        let now = std::fs::read_to_string(&k).unwrap_or_else(|e| panic!("{}: {e}", k.display()));
        assert_eq!(now, PRIVKEY, "{} is untouched", k.display());
    }
}

/// Each `(kind, arg)` attack is refused with exactly `answer`.
fn all_refused(stage: Stage, a: &mut Attacker, attempts: &[(&str, &str, &str)]) {
    for (kind, arg, answer) in attempts {
        let outcome = a.attack(kind, arg);
        assert_host_refused(stage, &format!("{kind} {arg}"), outcome, answer);
    }
}

/// file-writer opens the domain key of acme-client's default layout from
/// its staging directory: `../private/privkey.pem`, to read, stat, or
/// overwrite it.
pub fn read_key_through_dotdot(stage: Stage) {
    assert_eq!(stage, Stage::FileWriter);
    let scene = Scene::new();
    let mut a = scene.attacker(stage, Hostile::Fs);
    all_refused(
        stage,
        &mut a,
        &[
            ("read", "../private/privkey.pem", "open-at: not-permitted"),
            ("stat", "../private/privkey.pem", "stat-at: not-permitted"),
            ("write", "../private/privkey.pem", "open-at: not-permitted"),
            ("read", "../cert.pem", "open-at: not-permitted"),
        ],
    );
    keys_untouched(&scene);
    let control = a.attack("read", names(stage).inside);
    assert_eq!(assert_allowed(stage, "reading cert.pem", control), INSIDE);
}

/// file-writer opens `private/privkey.pem` where a `private` directory with
/// a key lies inside its own directory (as in the certificate directory of
/// acme-client's default layout): reading, overwriting, removing or moving
/// it to a name of its set.
pub fn read_key_in_subdirectory(stage: Stage) {
    assert_eq!(stage, Stage::FileWriter);
    let scene = Scene::new();
    let mut a = scene.attacker(stage, Hostile::Fs);
    all_refused(
        stage,
        &mut a,
        &[
            ("read", "private/privkey.pem", "open-at: not-permitted"),
            ("write", "private/privkey.pem", "open-at: not-permitted"),
            (
                "unlink",
                "private/privkey.pem",
                "unlink-file-at: not-permitted",
            ),
            (
                "rename",
                "private/privkey.pem|chain.pem",
                "rename-at: not-permitted",
            ),
            ("read", "private", "open-at: not-permitted"),
            ("list", "private", "open-at: not-permitted"),
        ],
    );
    keys_untouched(&scene);
    assert!(!scene.dir_of(stage).join("chain.pem").exists());
}

/// A name outside the stage's set, though inside its directory: reading an
/// existing file, writing a new one, removing one.
pub fn name_outside_its_set(stage: Stage) {
    // The -n -N scene for the key stages: writable, as challenge's and
    // file-writer's are, so only the name check stands in the way.
    let scene = match stage {
        Stage::Account | Stage::DomainKey => Scene::with_new_keys(),
        _ => Scene::new(),
    };
    let dir = scene.dir_of(stage);
    let before = snapshot(&dir);
    let mut a = scene.attacker(stage, Hostile::Fs);
    all_refused(
        stage,
        &mut a,
        &[
            ("read", STRAY_FILE, "open-at: not-permitted"),
            ("write", "privkey.pem", "open-at: not-permitted"),
            ("write", "index.html", "open-at: not-permitted"),
            ("unlink", STRAY_FILE, "unlink-file-at: not-permitted"),
            ("read", ".", "open-at: not-permitted"),
            ("read", "", "open-at: not-permitted"),
        ],
    );
    assert_eq!(snapshot(&dir), before, "{stage}: nothing changed");
    keys_untouched(&scene);
    let n = names(stage);
    let control = a.attack("read", n.inside);
    assert_eq!(assert_allowed(stage, "reading inside", control), INSIDE);
    assert_allowed(
        stage,
        "writing a name of its set",
        a.attack("write", n.mine),
    );
}

/// Make a subdirectory (with a name of the set, too), or open an existing
/// one, as a directory or as a file.
pub fn subdirectory(stage: Stage) {
    let scene = Scene::new();
    let dir = scene.dir_of(stage);
    let before = snapshot(&dir);
    let n = names(stage);
    let mut a = scene.attacker(stage, Hostile::Fs);
    // `sub` is a token, in challenge's set: there the directory rule
    // refuses it; file-writer's set has no `sub`.
    let sub = "sub";
    all_refused(
        stage,
        &mut a,
        &[
            ("mkdir", "made", "create-directory-at: not-permitted"),
            ("mkdir", n.mine, "create-directory-at: not-permitted"),
            ("list", sub, "open-at: not-permitted"),
            ("read", sub, "open-at: not-permitted"),
            ("rmdir", sub, "remove-directory-at: not-permitted"),
            ("read", "sub/x", "open-at: not-permitted"),
        ],
    );
    // A directory at a name of the set (made by the machine's owner): not
    // opened either, as a directory or as a file.
    std::fs::create_dir(dir.join(n.mine)).expect("a directory named like the set");
    let before = {
        let mut b = before;
        b.push((n.mine.into(), None));
        b.sort();
        b
    };
    all_refused(
        stage,
        &mut a,
        &[
            ("list", n.mine, "open-at: not-permitted"),
            ("read", n.mine, "open-at: not-permitted"),
        ],
    );
    assert_eq!(snapshot(&dir), before, "{stage}: nothing changed");
    let control = a.attack("read", n.inside);
    assert_eq!(assert_allowed(stage, "reading inside", control), INSIDE);
}

/// Every path-taking wasi:filesystem/types function, called with a name
/// outside the set that wasmtime-wasi alone would let it use (a file, a
/// link to it, a directory, a new name; the key directories writable).
pub fn every_path_function_with_a_stray_name(stage: Stage) {
    let scene = match stage {
        Stage::Account | Stage::DomainKey => Scene::with_new_keys(),
        _ => Scene::new(),
    };
    let dir = scene.dir_of(stage);
    let before = snapshot(&dir);
    let mut a = scene.attacker(stage, Hostile::Fs);
    for function in PATH_FUNCTIONS {
        let path = match function {
            "readlink-at" => STRAY_LINK,
            "remove-directory-at" => STRAY_DIR,
            "create-directory-at" => "stray.new",
            _ => STRAY_FILE,
        };
        let outcome = a.attack("call", &format!("{function}|{path}"));
        let answer = format!("{function}: not-permitted");
        assert_host_refused(stage, &format!("{function} {path}"), outcome, &answer);
    }
    assert_eq!(snapshot(&dir), before, "{stage}: nothing changed");
    // Control: the same functions work on a name of the set.
    let inside = names(stage).inside;
    for function in ["stat-at", "open-at", "set-times-at", "metadata-hash-at"] {
        let outcome = a.attack("call", &format!("{function}|{inside}"));
        assert_allowed(stage, &format!("{function} {inside}"), outcome);
    }
}

/// [`PATH_FUNCTIONS`] is every function of wasi:filesystem/types whose
/// parameters include a path, in the WIT of the version the host registers
/// (wit/deps/filesystem.wit, the one the hostile components
/// call through): a function added to the interface fails here until it is
/// checked.
pub fn path_functions_are_every_path_function_of_the_wit() {
    let wit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wit/deps/filesystem.wit"
    ))
    .expect("the WIT of wasi:filesystem");
    let version = acmebox::linker::FILESYSTEM_TYPES
        .split_once('@')
        .map(|(_, v)| v)
        .expect("a version");
    assert!(
        wit.contains(&format!("package wasi:filesystem@{version};")),
        "the WIT is wasi:filesystem@{version}, as the host registers"
    );
    let mut found: Vec<&str> = wit
        .lines()
        .map(str::trim)
        .filter_map(|l| l.split_once(": func("))
        .filter(|(_, params)| {
            let params = params.split(')').next().unwrap_or("");
            params.contains("path: string")
        })
        .map(|(name, _)| name.trim_start_matches('%'))
        .collect();
    found.sort_unstable();
    let mut checked = PATH_FUNCTIONS.to_vec();
    checked.sort_unstable();
    assert_eq!(found, checked);
}
