//! The escape matrix (issue #3): hostile components, built from
//! tests/hostile, loaded into each stage's sandbox with that stage's real
//! grant (`Grant::all`) through `Runtime::load`, the path the stages take,
//! each trying one way out. Every test asserts the specific refusal: the
//! WASI error the host answered, the load-time refusal naming the interface
//! (when the stage does not have it at all), the trap of the memory limit
//! or CPU deadline, or the watchdog ending the process (tests of that run the
//! attack in a child process: the test binary started again for that one
//! test). Where the attack could also be made inside the grant, a control
//! shows that it works there, so a refusal is the rule at work and not a
//! broken attack.
//!
//! Run with `cargo test --release --test escape`.

mod support;

/// The attacks, one function per row of the matrix, made against one stage.
#[path = "escape/mod.rs"]
mod attack;

use acmebox::stage::Stage;

/// One test per stage and attack: `<stage>::cannot_...`.
macro_rules! escape_matrix {
    ($($module:ident => $stage:expr;)*) => {$(
        mod $module {
            use super::*;

            #[test]
            fn cannot_read_by_absolute_path() {
                attack::read_by_absolute_path($stage);
            }

            #[test]
            fn cannot_read_through_dotdot() {
                attack::read_through_dotdot($stage);
            }

            #[test]
            fn cannot_follow_symlink_out() {
                attack::follow_symlink_out($stage);
            }

            #[test]
            fn cannot_write_outside_grant() {
                attack::write_outside_grant($stage);
            }

            #[test]
            fn cannot_create_or_delete_beyond_grant() {
                attack::create_or_delete_beyond_grant($stage);
            }

            #[test]
            fn cannot_resolve_ungranted_names() {
                attack::resolve_ungranted_names($stage);
            }

            #[test]
            fn cannot_connect_to_ungranted_port() {
                attack::connect_to_ungranted_port($stage);
            }

            #[test]
            fn cannot_connect_to_ungranted_host() {
                attack::connect_to_ungranted_host($stage);
            }

            #[test]
            fn cannot_bind_or_listen() {
                attack::bind_or_listen($stage);
            }

            #[test]
            fn cannot_send_udp() {
                attack::send_udp($stage);
            }

            #[test]
            fn cannot_read_environment_or_arguments() {
                attack::read_environment_and_arguments($stage);
            }

            #[test]
            fn cannot_allocate_past_memory_limit() {
                attack::allocate_past_memory_limit($stage);
            }

            #[test]
            fn cannot_balloon_through_tables() {
                attack::balloon_through_tables($stage);
            }

            #[test]
            fn cannot_make_host_hold_handles_without_bound() {
                attack::make_host_hold_handles_without_bound($stage);
            }

            #[test]
            fn cannot_pass_host_an_oversized_value() {
                attack::pass_host_an_oversized_value($stage);
            }

            #[test]
            fn cannot_run_past_cpu_deadline() {
                attack::run_past_cpu_deadline($stage);
            }

            #[test]
            fn cannot_import_interfaces_outside_grant() {
                attack::import_interfaces_outside_grant($stage);
            }

            #[test]
            fn cannot_plant_symlinks() {
                attack::plant_symlinks($stage);
            }

            #[test]
            fn cannot_hard_link() {
                attack::hard_link($stage);
            }

            #[test]
            fn cannot_outlast_deadline_blocked_in_host() {
                attack::outlast_deadline_blocked_in_host(
                    $stage,
                    concat!(stringify!($module), "::cannot_outlast_deadline_blocked_in_host"),
                );
            }

            #[test]
            fn cannot_outlast_deadline_reading_silent_server() {
                attack::outlast_deadline_reading_silent_server(
                    $stage,
                    concat!(stringify!($module), "::cannot_outlast_deadline_reading_silent_server"),
                );
            }
        }
    )*};
}

escape_matrix! {
    account => Stage::Account;
    domain_key => Stage::DomainKey;
    network => Stage::Network;
    challenge => Stage::Challenge;
    cert_parser => Stage::CertParser;
    file_writer => Stage::FileWriter;
}

/// The grants `Grant::all` builds are exactly those of docs/DESIGN.md that the
/// matrix above assumes (written out in support::expect): nothing wider.
#[test]
fn grants_are_those_of_design() {
    attack::grants_are_those_of_design();
}

/// `--timeout` bounds the whole run even while the host itself is blocked:
/// here in the account stage's WASI open of an account key that is a FIFO
/// nobody writes to (as on a hung network file system), long before that
/// call's own deadline. The acmebox binary must exit with status 1 when
/// --timeout has passed, naming it, the stage and the step, without
/// contacting the server (a tripwire).
#[cfg(unix)]
#[test]
fn run_cannot_outlast_timeout() {
    attack::run_cannot_outlast_timeout();
}

/// As `run_cannot_outlast_timeout`, with acmebox's standard error a full
/// pipe nobody reads and `-v`: the host blocks writing a progress line, and
/// the watchdog's own line cannot be written either. It must end the
/// process anyway, within a second of --timeout.
#[cfg(unix)]
#[test]
fn run_cannot_outlast_timeout_with_stderr_full() {
    attack::run_cannot_outlast_timeout_with_stderr_full();
}
