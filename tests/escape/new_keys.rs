//! The file-system rows again for the key stages in a run with `-n -N`,
//! where account and domain-key get their directories read-write to create
//! the keys: the same attacks as files.rs, each refused the same way, with
//! the writable-grant controls (writing inside works).

use super::files::*;
use crate::support::*;
use acmebox::stage::Stage;

/// A `-n -N` scene, after checking that `stage` is a key stage whose
/// directory it makes writable (and read-only without the flags).
fn scene(stage: Stage) -> Scene {
    assert!(
        matches!(stage, Stage::Account | Stage::DomainKey),
        "{stage} is not a key stage"
    );
    assert!(!granted_dir(&Scene::new(), stage).1, "{stage}: read-only");
    let scene = Scene::with_new_keys();
    assert!(granted_dir(&scene, stage).1, "{stage}: writable with -n -N");
    scene
}

/// [`read_by_absolute_path`] with the key directory writable.
pub fn read_by_absolute_path_with_new_keys(stage: Stage) {
    read_by_absolute_path_in(&scene(stage), stage);
}

/// [`read_through_dotdot`] with the key directory writable.
pub fn read_through_dotdot_with_new_keys(stage: Stage) {
    read_through_dotdot_in(&scene(stage), stage);
}

/// [`follow_symlink_out`] with the key directory writable.
pub fn follow_symlink_out_with_new_keys(stage: Stage) {
    follow_symlink_out_in(&scene(stage), stage);
}

/// [`write_outside_grant`] with the key directory writable.
pub fn write_outside_grant_with_new_keys(stage: Stage) {
    write_outside_grant_in(&scene(stage), stage);
}

/// [`create_or_delete_beyond_grant`] with the key directory writable: the
/// writable-grant attempts (moving, linking, deleting across the boundary).
pub fn create_or_delete_beyond_grant_with_new_keys(stage: Stage) {
    create_or_delete_beyond_grant_in(&scene(stage), stage);
}

/// [`plant_symlinks`] with the key directory writable.
pub fn plant_symlinks_with_new_keys(stage: Stage) {
    plant_symlinks_in(&scene(stage), stage);
}

/// [`hard_link`] in the writable key directory, the key file among the
/// originals.
pub fn hard_link_with_new_keys(stage: Stage) {
    hard_link_in(&scene(stage), stage);
}
