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

/// Rows of attacks, one test per stage and attack, generated only for the
/// stages that have what the attack needs: `<group>::<stage>::cannot_...`.
/// (Where a stage lacks a whole interface, every attack through it would be
/// the same load-time refusal: that is one row of `refused_at_load` below.)
macro_rules! rows {
    ($group:ident: [$($module:ident => $stage:expr),+ $(,)?] $tests:tt) => {
        mod $group {
            use super::*;
            $( rows!(@stage $module, $stage, $tests); )+
        }
    };
    (@stage $module:ident, $stage:expr, { $($test:ident => $attack:ident),* $(,)? }) => {
        mod $module {
            use super::*;
            $(
                #[test]
                fn $test() {
                    attack::$attack($stage);
                }
            )*
        }
    };
}

/// Rows whose attack runs in a child process that the watchdog must end:
/// the attack gets the test's full name to start that child.
macro_rules! child_rows {
    ($group:ident: [$($module:ident => $stage:expr),+ $(,)?] $test:ident => $attack:ident) => {
        mod $group {
            use super::*;
            $(
                mod $module {
                    use super::*;

                    #[test]
                    fn $test() {
                        let name = concat!(
                            stringify!($group), "::", stringify!($module), "::", stringify!($test)
                        );
                        attack::$attack($stage, name);
                    }
                }
            )+
        }
    };
}

/// One test per stage and whole interface it lacks,
/// `refused_at_load::<stage>::<interface>`, and the list of them, which
/// `refusal_rows_are_every_interface_a_stage_lacks` checks against
/// docs/DESIGN.md's grants.
macro_rules! refused_at_load {
    ($($module:ident => $stage:expr => [$($interface:ident => $whole:ident),+ $(,)?];)+) => {
        mod refused_at_load {
            use super::*;
            use attack::Whole;

            /// Every (stage, interface) row below.
            pub const ROWS: &[(Stage, Whole)] = &[$($(($stage, Whole::$whole),)+)+];

            $(
                mod $module {
                    use super::*;
                    $(
                        #[test]
                        fn $interface() {
                            attack::refused_at_load($stage, Whole::$whole);
                        }
                    )+
                }
            )+
        }
    };
}

// The file system, in a plain run's scene: the four stages with a directory
// (the key directories read-only).
rows! { files: [
    account => Stage::Account,
    domain_key => Stage::DomainKey,
    challenge => Stage::Challenge,
    file_writer => Stage::FileWriter,
] {
    cannot_read_by_absolute_path => read_by_absolute_path,
    cannot_read_through_dotdot => read_through_dotdot,
    cannot_follow_symlink_out => follow_symlink_out,
    cannot_write_outside_grant => write_outside_grant,
    cannot_create_or_delete_beyond_grant => create_or_delete_beyond_grant,
    cannot_plant_symlinks => plant_symlinks,
} }

// Hard links in a writable directory: the stages whose directory is
// writable in a plain run (the key stages' are, with -n -N, below).
rows! { writable_files: [
    challenge => Stage::Challenge,
    file_writer => Stage::FileWriter,
] {
    cannot_hard_link => hard_link,
} }

// Grants down to the file: only the names of the stage's set, one plain
// name at a time, no subdirectories (host/src/names.rs, narrow.rs).
rows! { names: [
    account => Stage::Account,
    domain_key => Stage::DomainKey,
    challenge => Stage::Challenge,
    file_writer => Stage::FileWriter,
] {
    cannot_use_a_name_outside_its_set => name_outside_its_set,
    cannot_call_any_path_function_with_a_stray_name => every_path_function_with_a_stray_name,
} }

// Subdirectories, in the writable directories of a plain run.
rows! { subdirectories: [
    challenge => Stage::Challenge,
    file_writer => Stage::FileWriter,
] {
    cannot_make_or_open_a_subdirectory => subdirectory,
} }

// The domain key of acme-client's default layout, from file-writer.
rows! { default_layout_key: [file_writer => Stage::FileWriter] {
    cannot_read_certdir_private_privkey_pem => read_key_through_dotdot,
    cannot_read_private_privkey_pem_inside_its_directory => read_key_in_subdirectory,
} }

// The key stages in a run with -n -N, their directories read-write.
rows! { new_keys: [
    account => Stage::Account,
    domain_key => Stage::DomainKey,
] {
    cannot_read_by_absolute_path => read_by_absolute_path_with_new_keys,
    cannot_read_through_dotdot => read_through_dotdot_with_new_keys,
    cannot_follow_symlink_out => follow_symlink_out_with_new_keys,
    cannot_write_outside_grant => write_outside_grant_with_new_keys,
    cannot_create_or_delete_beyond_grant => create_or_delete_beyond_grant_with_new_keys,
    cannot_plant_symlinks => plant_symlinks_with_new_keys,
    cannot_hard_link => hard_link_with_new_keys,
} }

// The network, in the one stage that has sockets and the resolver.
rows! { network: [network => Stage::Network] {
    cannot_resolve_ungranted_names => resolve_ungranted_names,
    cannot_connect_to_ungranted_port => connect_to_ungranted_port,
    cannot_connect_to_ungranted_host => connect_to_ungranted_host,
    cannot_bind_or_listen => bind_or_listen,
    cannot_send_udp => send_udp,
    resolver_alone_answers_only_the_grant => resolver_alone_answers_only_the_grant,
} }

// The responder: listening sockets on the addresses of --http-listen only
// (TCP alone: UDP and name lookup are refused at load, the Sockets row
// below), and the run's key authorizations.
rows! { responder: [responder => Stage::Responder] {
    cannot_connect_out => connect_out,
    cannot_bind_or_listen_elsewhere => bind_or_listen_elsewhere,
    serves_a_client_on_its_grant => serve_on_the_grant,
    key_authorizations_are_only_the_runs => key_authorizations_only_of_the_run,
} }

// What every stage has: wasi:cli and wasi:io, memory, tables, host
// handles, CPU.
rows! { every_stage: [
    account => Stage::Account,
    domain_key => Stage::DomainKey,
    network => Stage::Network,
    challenge => Stage::Challenge,
    cert_parser => Stage::CertParser,
    file_writer => Stage::FileWriter,
    responder => Stage::Responder,
] {
    cannot_read_environment_or_arguments => read_environment_and_arguments,
    cannot_allocate_past_memory_limit => allocate_past_memory_limit,
    cannot_balloon_through_tables => balloon_through_tables,
    cannot_make_host_hold_handles_without_bound => make_host_hold_handles_without_bound,
    cannot_pass_host_an_oversized_value => pass_host_an_oversized_value,
    cannot_run_past_cpu_deadline => run_past_cpu_deadline,
} }

// Blocking in a host call past the deadline: on a clock (every stage with
// wasi:clocks), and reading a silent server (the network stage).
child_rows! { blocked_in_host: [
    account => Stage::Account,
    domain_key => Stage::DomainKey,
    network => Stage::Network,
    challenge => Stage::Challenge,
    file_writer => Stage::FileWriter,
    responder => Stage::Responder,
] cannot_outlast_deadline => outlast_deadline_blocked_in_host }

child_rows! { silent_server: [network => Stage::Network]
cannot_outlast_deadline => outlast_deadline_reading_silent_server }

// Whole interfaces a stage lacks: one refusal each, at load.
refused_at_load! {
    account => Stage::Account => [
        sockets => Sockets, tcp => Tcp, resolver => Resolver, trace => Trace, signer => Signer, external_account => ExternalAccount, rollover_signer => RolloverSigner,
        csr => Csr, key_authorizations => KeyAuthorizations,
    ];
    domain_key => Stage::DomainKey => [
        sockets => Sockets, tcp => Tcp, resolver => Resolver, trace => Trace, signer => Signer, external_account => ExternalAccount, rollover_signer => RolloverSigner,
        csr => Csr, key_authorizations => KeyAuthorizations,
    ];
    network => Stage::Network => [
        filesystem => Filesystem, csr => Csr, key_authorizations => KeyAuthorizations,
    ];
    challenge => Stage::Challenge => [
        sockets => Sockets, tcp => Tcp, resolver => Resolver, trace => Trace, random => Random,
        signer => Signer, external_account => ExternalAccount, rollover_signer => RolloverSigner, csr => Csr, key_authorizations => KeyAuthorizations,
    ];
    cert_parser => Stage::CertParser => [
        filesystem => Filesystem, sockets => Sockets, tcp => Tcp, resolver => Resolver,
        trace => Trace, clocks => Clocks, random => Random, signer => Signer, external_account => ExternalAccount, rollover_signer => RolloverSigner, csr => Csr,
        key_authorizations => KeyAuthorizations,
    ];
    file_writer => Stage::FileWriter => [
        sockets => Sockets, tcp => Tcp, resolver => Resolver, trace => Trace, random => Random,
        signer => Signer, external_account => ExternalAccount, rollover_signer => RolloverSigner, csr => Csr, key_authorizations => KeyAuthorizations,
    ];
    responder => Stage::Responder => [
        filesystem => Filesystem, sockets => Sockets, resolver => Resolver, trace => Trace,
        random => Random, signer => Signer, external_account => ExternalAccount, rollover_signer => RolloverSigner, csr => Csr,
    ];
}

/// The refusal rows above are exactly one per stage and whole interface
/// docs/DESIGN.md does not give it: none missing, none granted.
#[test]
fn refusal_rows_are_every_interface_a_stage_lacks() {
    attack::refusals_are_every_interface_a_stage_lacks(refused_at_load::ROWS);
}

/// Every path-taking function of wasi:filesystem/types is one the host
/// checks (acmebox::narrow::PATH_FUNCTIONS, each called by the `names` rows).
#[test]
fn path_functions_are_every_path_function_of_the_wit() {
    attack::path_functions_are_every_path_function_of_the_wit();
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
