//! Landlock through the `landlock` crate (Linux only).

use super::{Access, Plan, Status};
use crate::error::Error;
use landlock::{
    make_bitflags, Access as _, AccessFs, AccessNet, BitFlags, LandlockStatus, NetPort,
    PathBeneath, PathFd, RestrictSelfAttr, RestrictionStatus, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, ABI,
};

/// The file rights handled (so denied unless a rule allows them): all of
/// ABI 8's. Not ABI 9's `ResolveUnix`: the accountd socket (connected
/// before the restriction) is no file the plan names.
const HANDLED_ABI: ABI = ABI::V8;

/// The rights of each [`Access`].
fn rights(access: Access) -> BitFlags<AccessFs> {
    let read = make_bitflags!(AccessFs::{ReadFile | ReadDir});
    let write = make_bitflags!(AccessFs::{WriteFile | MakeReg | RemoveFile | Truncate});
    let install = make_bitflags!(AccessFs::{MakeDir | RemoveDir | Refer});
    match access {
        Access::Read => read,
        Access::ReadWrite => read | write,
        Access::Install => read | write | install,
    }
}

fn abi_number(abi: ABI) -> u8 {
    match abi {
        ABI::Unsupported => 0,
        ABI::V1 => 1,
        ABI::V2 => 2,
        ABI::V3 => 3,
        ABI::V4 => 4,
        ABI::V5 => 5,
        ABI::V6 => 6,
        ABI::V7 => 7,
        ABI::V8 => 8,
        ABI::V9 => 9,
        _ => 10,
    }
}

fn kernel_abi(status: &LandlockStatus) -> Option<u8> {
    match status {
        LandlockStatus::Available {
            effective_abi,
            kernel_abi,
        } => Some(
            kernel_abi
                .and_then(|k| u8::try_from(k).ok())
                .unwrap_or(abi_number(*effective_abi)),
        ),
        _ => None,
    }
}

/// The kernel's Landlock ABI, or None without Landlock. Asked by a thread
/// of its own that restricts itself (reading nothing) and ends, so the
/// process keeps its rights (the crate offers no other way to ask).
pub fn probe() -> Option<u8> {
    std::thread::Builder::new()
        .name("landlock-probe".into())
        .spawn(|| {
            let status = Ruleset::default()
                .handle_access(AccessFs::from_all(ABI::V1))
                .and_then(|r| r.create())
                .and_then(|r| r.restrict_self())
                .ok()?;
            kernel_abi(&status.landlock)
        })
        .ok()?
        .join()
        .ok()
        .flatten()
}

/// Restrict the calling thread, and every thread it starts from now on
/// (every thread of the process where the kernel has ABI 8), to `plan`.
/// Best effort: a kernel without Landlock gives [`Status::Unavailable`],
/// an older ABI what it supports; a path of the plan that cannot be opened
/// (absent) is left out and named. An error only when the kernel has
/// Landlock and refuses the ruleset.
pub fn restrict(plan: &Plan) -> Result<Status, Error> {
    if super::turned_off() {
        return Ok(Status::Off);
    }
    let fail = |e: landlock::RulesetError| Error::Protocol {
        step: "landlock",
        message: format!("cannot restrict the host with Landlock: {e}"),
    };
    let mut ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(HANDLED_ABI))
        .and_then(|r| r.handle_access(make_bitflags!(AccessNet::{BindTcp | ConnectTcp})))
        .and_then(|r| r.create())
        .and_then(|r| r.all_threads(true))
        .map_err(fail)?;
    let mut skipped = Vec::new();
    for rule in &plan.paths {
        let fd = match PathFd::new(&rule.path) {
            Ok(fd) => fd,
            Err(_) => {
                skipped.push(rule.path.clone());
                continue;
            }
        };
        let mut access = rights(rule.access);
        if !rule.path.is_dir() {
            access &= AccessFs::from_file(HANDLED_ABI);
        }
        ruleset = ruleset
            .add_rule(PathBeneath::new(fd, access))
            .map_err(fail)?;
    }
    for port in &plan.tcp_connect {
        ruleset = ruleset
            .add_rule(NetPort::new(*port, AccessNet::ConnectTcp))
            .map_err(fail)?;
    }
    for port in &plan.tcp_bind {
        ruleset = ruleset
            .add_rule(NetPort::new(*port, AccessNet::BindTcp))
            .map_err(fail)?;
    }
    let status: RestrictionStatus = ruleset.restrict_self().map_err(fail)?;
    Ok(match (status.ruleset, kernel_abi(&status.landlock)) {
        (RulesetStatus::NotEnforced, _) | (_, None) => Status::Unavailable(match status.landlock {
            LandlockStatus::NotEnabled => "the kernel has Landlock but it is not enabled".into(),
            LandlockStatus::NotImplemented => "the kernel has no Landlock".into(),
            LandlockStatus::Available { .. } => "the kernel enforced none of the rules".into(),
        }),
        (enforced, Some(abi)) => Status::Applied {
            abi,
            full: enforced == RulesetStatus::FullyEnforced,
            all_threads: status.all_threads,
            skipped,
        },
    })
}
