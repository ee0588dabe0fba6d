//! The file-system rows of the matrix: reading, writing, creating and
//! deleting outside the granted directory, following symlinks out of it,
//! planting new ones, and hard-linking inside it. Each attack is made in a
//! plain run's scene (`X(stage)`); tests/escape/new_keys.rs makes the same
//! attacks in a `-n -N` scene, where the key directories are writable
//! (`X_in(scene, stage)`). Only stages with a directory have these rows: for
//! the others the file system is one load-time refusal (tests/escape.rs).

use crate::support::*;
use acmebox::stage::Stage;

/// The host's answer to opening a path outside the grant (or, in a
/// read-only grant, opening for writing).
const OPEN_DENIED: &str = "open-at: not-permitted";

/// The symlink targets the writable-grant attack plants: out of the
/// directory (relative), absolute, and even inside it.
const SYMLINK_TARGETS: [&str; 5] = [
    "../outside/secret.txt",
    "sub/../../outside",
    "../../../../../../etc/passwd",
    "/etc/passwd",
    "inside.txt",
];

/// The stage's one directory in `scene`'s grant: where the stage sees it,
/// and whether it may write there.
pub fn granted_dir(scene: &Scene, stage: Stage) -> (&'static str, bool) {
    let grant = scene.grant(stage);
    let dir = grant.directories.first().unwrap_or_else(|| {
        panic!("{stage} has no directory: its file-system row is the load-time refusal")
    });
    (dir.guest, dir.write)
}

/// Read the secret by its absolute host path, and by absolute paths in
/// general (there is no preopen for `/`).
pub fn read_by_absolute_path(stage: Stage) {
    read_by_absolute_path_in(&Scene::new(), stage);
}

/// [`read_by_absolute_path`] in `scene`.
pub fn read_by_absolute_path_in(scene: &Scene, stage: Stage) {
    let (guest, _) = granted_dir(scene, stage);
    let n = names(stage);
    let mut a = scene.attacker(stage, Hostile::Fs);
    let seen = assert_allowed(stage, "listing preopens", a.attack("preopens", ""));
    assert_eq!(seen, guest, "{stage} sees exactly its one directory");
    let inside = assert_allowed(stage, "reading inside", a.attack("read", n.inside));
    assert_eq!(inside, INSIDE);
    let secret = scene.secret().display().to_string();
    let in_grant = scene.dir_of(stage).join(n.inside).display().to_string();
    let guest_abs = format!("{guest}/{}", n.inside);
    for path in [secret.as_str(), &in_grant, &guest_abs, "/etc/passwd", "/"] {
        let outcome = a.attack("read", path);
        assert_host_refused(stage, &format!("read {path}"), outcome, OPEN_DENIED);
    }
}

/// Climb out of the directory with `..`.
pub fn read_through_dotdot(stage: Stage) {
    read_through_dotdot_in(&Scene::new(), stage);
}

/// [`read_through_dotdot`] in `scene`.
pub fn read_through_dotdot_in(scene: &Scene, stage: Stage) {
    granted_dir(scene, stage);
    let n = names(stage);
    let mut a = scene.attacker(stage, Hostile::Fs);
    let control = a.attack("read", n.inside);
    assert_eq!(assert_allowed(stage, "reading inside", control), INSIDE);
    // `sub/../<inside>` stays inside the directory, but is not one plain
    // name: the name check refuses it too.
    let back_in = format!("sub/../{}", n.inside);
    for path in [
        "../outside/secret.txt",
        "./../outside/secret.txt",
        "sub/../../outside/secret.txt",
        "sub/../../../../../../../../etc/passwd",
        back_in.as_str(),
    ] {
        let outcome = a.attack("read", path);
        assert_host_refused(stage, &format!("read {path}"), outcome, OPEN_DENIED);
    }
    for dir in ["..", "sub/../.."] {
        let outcome = a.attack("list", dir);
        assert_host_refused(stage, &format!("list {dir}"), outcome, OPEN_DENIED);
    }
    let outcome = a.attack("stat", "../outside/secret.txt");
    assert_host_refused(stage, "stat ../outside", outcome, "stat-at: not-permitted");
}

/// Follow symlinks planted in the granted directory that point out of it
/// (absolute, relative, and to a directory).
pub fn follow_symlink_out(stage: Stage) {
    follow_symlink_out_in(&Scene::new(), stage);
}

/// [`follow_symlink_out`] in `scene`.
pub fn follow_symlink_out_in(scene: &Scene, stage: Stage) {
    granted_dir(scene, stage);
    let [abs, rel, dir] = names(stage).links;
    let mut a = scene.attacker(stage, Hostile::Fs);
    let listing = assert_allowed(stage, "listing its directory", a.attack("list", "."));
    assert!(
        listing.contains(abs),
        "the planted links are seen: {listing}"
    );
    let (in_dir, back_in) = (format!("{dir}/secret.txt"), format!("sub/../{rel}"));
    for path in [abs, rel, &in_dir, &back_in] {
        let outcome = a.attack("read", path);
        assert_host_refused(stage, &format!("read {path}"), outcome, OPEN_DENIED);
    }
    let outcome = a.attack("stat", abs);
    assert_host_refused(stage, "stat link-abs", outcome, "stat-at: not-permitted");
    let outcome = a.attack("list", dir);
    assert_host_refused(stage, "list link-dir", outcome, OPEN_DENIED);
}

/// Create or overwrite files outside the directory, directly and through
/// the planted symlinks.
pub fn write_outside_grant(stage: Stage) {
    write_outside_grant_in(&Scene::new(), stage);
}

/// [`write_outside_grant`] in `scene`.
pub fn write_outside_grant_in(scene: &Scene, stage: Stage) {
    let (_, writable) = granted_dir(scene, stage);
    let n = names(stage);
    let [link_abs, link_rel, link_dir] = n.links;
    let before = snapshot(&scene.outside());
    let mut a = scene.attacker(stage, Hostile::Fs);
    let abs = scene.outside().join("new.txt").display().to_string();
    let in_dir = format!("{link_dir}/new.txt");
    for path in [
        "../outside/new.txt",
        abs.as_str(),
        link_rel,
        link_abs,
        &in_dir,
        "sub/../../outside/new.txt",
    ] {
        let outcome = a.attack("write", path);
        assert_host_refused(stage, &format!("write {path}"), outcome, OPEN_DENIED);
    }
    assert_eq!(
        snapshot(&scene.outside()),
        before,
        "{stage} changed nothing outside"
    );
    if writable {
        assert_allowed(stage, "writing inside", a.attack("write", n.mine));
        assert!(scene.dir_of(stage).join(n.mine).is_file());
    }
}

/// Read-only grants (the key directories without -n/-N): create, replace,
/// rename or delete nothing in them. Writable grants: nothing of the
/// kind outside them, and no moving files across the boundary.
pub fn create_or_delete_beyond_grant(stage: Stage) {
    create_or_delete_beyond_grant_in(&Scene::new(), stage);
}

/// [`create_or_delete_beyond_grant`] in `scene`.
pub fn create_or_delete_beyond_grant_in(scene: &Scene, stage: Stage) {
    let (_, writable) = granted_dir(scene, stage);
    let n = names(stage);
    let dir = scene.dir_of(stage);
    let (inside, outside) = (snapshot(&dir), snapshot(&scene.outside()));
    let mut a = scene.attacker(stage, Hostile::Fs);
    let arg = |s: &str| {
        s.replace("INSIDE", n.inside)
            .replace("MINE", n.mine)
            .replace("LINK_DIR", n.links[2])
    };
    // In a read-only grant the attempts use the stage's own names (the key
    // file), so the refusal is the read-only wall's, not the name check's;
    // making and removing directories is refused whatever the name.
    let attempts: &[(&str, &str, &str)] = if writable {
        &[
            ("unlink", "../outside/secret.txt", "unlink-file-at"),
            ("rmdir", "../outside/keep", "remove-directory-at"),
            ("mkdir", "../outside/made", "create-directory-at"),
            ("mkdir", "LINK_DIR/made", "create-directory-at"),
            ("rename", "INSIDE|../outside/moved.txt", "rename-at"),
            ("rename", "../outside/secret.txt|MINE", "rename-at"),
            ("link", "../outside/secret.txt|MINE", "link-at"),
            ("symlink", "/etc/passwd|MINE", "symlink-at"),
        ]
    } else {
        &[
            ("write", "INSIDE", "open-at"),
            ("mkdir", "made", "create-directory-at"),
            ("rmdir", "sub", "remove-directory-at"),
            ("unlink", "INSIDE", "unlink-file-at"),
            ("rename", "INSIDE|INSIDE", "rename-at"),
            ("link", "INSIDE|INSIDE", "link-at"),
            ("symlink", "INSIDE|INSIDE", "symlink-at"),
        ]
    };
    for (kind, arg, op) in attempts.iter().map(|(k, a, o)| (k, arg(a), o)) {
        let arg = arg.as_str();
        let outcome = a.attack(kind, arg);
        let answer = format!("{op}: not-permitted");
        assert_host_refused(stage, &format!("{kind} {arg}"), outcome, &answer);
    }
    assert_eq!(
        snapshot(&scene.outside()),
        outside,
        "{stage} changed nothing outside"
    );
    if writable {
        assert_allowed(stage, "writing inside", a.attack("write", n.mine));
        assert_allowed(stage, "unlink inside", a.attack("unlink", n.inside));
    } else {
        assert_eq!(
            snapshot(&dir),
            inside,
            "{stage}'s read-only directory is unchanged"
        );
        let read = a.attack("read", n.inside);
        assert_eq!(assert_allowed(stage, "reading inside", read), INSIDE);
    }
}

/// Plant symlinks in the directory, pointing out of it (relative targets,
/// which wasmtime-wasi itself allows) or anywhere at all: a web server
/// serving the challenge directory would follow them. Made both straight
/// through wasi:filesystem 0.2.12 (the host's own version) and through Rust's
/// standard library, which imports 0.2.6 as the stages do, so the denial is
/// shown to reach the version the stages link. In a plain run's scene (key
/// directories read-only); new_keys.rs repeats it with -n -N.
pub fn plant_symlinks(stage: Stage) {
    plant_symlinks_in(&Scene::new(), stage);
}

/// [`plant_symlinks`] in `scene`.
pub fn plant_symlinks_in(scene: &Scene, stage: Stage) {
    let (guest, writable) = granted_dir(scene, stage);
    let types = |imports: Vec<String>| {
        imports
            .into_iter()
            .find(|i| i.starts_with("wasi:filesystem/types@"))
            .expect("it imports wasi:filesystem/types")
    };
    let the_stages = types(acmebox::linker::imports(
        runtime().engine(),
        &acmebox::embedded::component(runtime().engine(), stage).expect("the stage compiles"),
    ));
    assert_eq!(
        types(imports(Hostile::StdFs)),
        the_stages,
        "the std-fs component imports wasi:filesystem as {stage} does"
    );
    assert_eq!(
        types(imports(Hostile::Fs)),
        acmebox::linker::FILESYSTEM_TYPES,
        "the fs component imports the host's own version"
    );
    let dir = scene.dir_of(stage);
    let (inside, outside) = (snapshot(&dir), snapshot(&scene.outside()));
    let mut a = scene.attacker(stage, Hostile::Fs);
    let mut b = scene.attacker(stage, Hostile::StdFs);
    let secret = scene.secret().display().to_string();
    let targets = SYMLINK_TARGETS.iter().copied().chain([secret.as_str()]);
    for (i, target) in targets.enumerate() {
        let what = format!("symlink {target}");
        let outcome = a.attack("symlink", &format!("{target}|planted-{i}"));
        assert_host_refused(stage, &what, outcome, "symlink-at: not-permitted");
        let link = format!("{guest}/planted-std-{i}");
        let outcome = b.attack("symlink", &format!("{target}|{link}"));
        let answer = "symlink: Operation not permitted (os error 63)";
        assert_host_refused(stage, &format!("std {what}"), outcome, answer);
    }
    assert_eq!(snapshot(&dir), inside, "{stage}: no symlink was created");
    assert_eq!(snapshot(&scene.outside()), outside, "{stage}: outside");
    if writable {
        // Controls: the grant is writable, through both versions.
        let n = names(stage);
        assert_allowed(stage, "writing inside", a.attack("write", n.mine));
        let std_file = format!("{guest}/{}", n.std);
        assert_allowed(stage, "writing through std", b.attack("write", &std_file));
        assert!(dir.join(n.mine).is_file() && dir.join(n.std).is_file());
    }
}

/// Make hard links inside a writable grant, both paths inside it: refused
/// with `not-permitted` whatever the files (a hard link is the file itself
/// under a second name, and whatever the host or a web server does to the new
/// name it does to the original, a key in the same directory for one). Made
/// through wasi:filesystem 0.2.12 and through Rust's standard library (0.2.6),
/// in a plain run's scene for the stages whose directory is writable there;
/// new_keys.rs makes it in the key directories made writable by -n -N (in
/// a read-only grant, create_or_delete_beyond_grant shows link-at refused).
pub fn hard_link(stage: Stage) {
    hard_link_in(&Scene::new(), stage);
}

/// [`hard_link`] in `scene`, where `stage`'s directory must be writable.
pub fn hard_link_in(scene: &Scene, stage: Stage) {
    let (guest, writable) = granted_dir(scene, stage);
    assert!(writable, "{stage}: writable");
    let dir = scene.dir_of(stage);
    let inside = snapshot(&dir);
    let mut a = scene.attacker(stage, Hostile::Fs);
    let mut b = scene.attacker(stage, Hostile::StdFs);
    let n = names(stage);
    let back_in = format!("sub/../{}", n.inside);
    // For the key stages `inside` is the key file itself.
    let originals = [n.inside, back_in.as_str()];
    for (i, original) in originals.into_iter().enumerate() {
        for link in [format!("hardlink-{i}"), format!("sub/hardlink-{i}")] {
            let what = format!("link {original} to {link}");
            let outcome = a.attack("link", &format!("{original}|{link}"));
            assert_host_refused(stage, &what, outcome, "link-at: not-permitted");
            let std_arg = format!("{guest}/{original}|{guest}/std-{link}");
            let outcome = b.attack("link", &std_arg);
            let answer = "link: Operation not permitted (os error 63)";
            assert_host_refused(stage, &format!("std {what}"), outcome, answer);
        }
    }
    assert_eq!(snapshot(&dir), inside, "{stage}: no link was created");
    // Controls: the grant is writable, and the files are there to link.
    let read = a.attack("read", n.inside);
    assert_eq!(assert_allowed(stage, "reading inside", read), INSIDE);
    assert_allowed(stage, "writing inside", a.attack("write", n.mine));
    assert!(dir.join(n.mine).is_file());
}
