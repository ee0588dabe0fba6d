//! The rows of the matrix about resources: the memory and table limits, the
//! CPU deadline, and the watchdog that ends a stage blocked in the host
//! (those tests run the attack in a child process). The whole run's
//! `--timeout` is in timeout.rs.

use crate::support::*;
use acmebox::stage::Stage;
use acmebox::watchdog::GRACE;
use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// The CPU deadline of the spin tests. The real deadlines are 5 to 60 s
/// (docs/DESIGN.md; checked against the grant first): spinning that long in each
/// of six tests would make this suite take minutes on a small machine. The
/// sandbox turns whatever `call_deadline` the grant holds into the epoch
/// deadline, so the test runs the stage's real grant with only this field
/// shortened, and checks that the trap names this value and came after it.
const SPIN_DEADLINE: Duration = Duration::from_secs(1);

/// How long a test waits for a stopped stage before calling it a hang.
const WATCHDOG: Duration = Duration::from_secs(30);

/// How long the blocking attacks block if nothing stops them: an hour.
const BLOCK_MS: &str = "3600000";

/// How late the watchdog may stop a blocked stage, past its deadline plus
/// [`GRACE`]: it wakes at the limit, so this is scheduling and process exit.
const WATCHDOG_SLACK: Duration = Duration::from_secs(3);

/// Allocate a MiB past the limit docs/DESIGN.md gives the stage.
pub fn allocate_past_memory_limit(stage: Stage) {
    let mib = expect(stage).memory_mib;
    let scene = Scene::new();
    assert_eq!(
        scene.grant(stage).memory_bytes,
        mib << 20,
        "the grant's limit"
    );
    let mut control = scene.attacker(stage, Hostile::Bare);
    let half = ((mib << 20) / 2).to_string();
    assert_allowed(
        stage,
        "allocating half the limit",
        control.attack("alloc", &half),
    );
    let mut a = scene.attacker(stage, Hostile::Bare);
    let outcome = a.attack("alloc", &((mib + 1) << 20).to_string());
    let message = format!("stopped: exceeded its memory limit of {mib} MiB");
    assert_trapped(stage, "attack", outcome, &message);
}

/// Declare a function table of 16 Mi elements: 128 MiB of host memory
/// that the linear-memory limit does not count.
pub fn balloon_through_tables(stage: Stage) {
    let scene = Scene::new();
    let message = format!(
        "stopped: exceeded its table limit of {} elements",
        acmebox::sandbox::TABLE_ELEMENTS
    );
    match scene.load(stage, Hostile::Table) {
        Err(e) => assert_trapped(stage, "load", Err(e), &message),
        Ok(_) => panic!("ESCAPE: {stage} instantiated a table of 16 Mi elements"),
    }
}

/// Ask the host for one handle more than the grant's bound (each a resource
/// table entry in host memory, which the memory budget does not count),
/// keeping them all; a control holding half the bound works.
pub fn make_host_hold_handles_without_bound(stage: Stage) {
    let scene = Scene::new();
    let bound = scene.grant(stage).host.handles;
    assert_eq!(bound, 256, "the grant's bound");
    let mut control = scene.attacker(stage, Hostile::Bare);
    assert_allowed(
        stage,
        "holding half the bound",
        control.attack("handles", &(bound / 2).to_string()),
    );
    let mut a = scene.attacker(stage, Hostile::Bare);
    let outcome = a.attack("handles", &(bound + 1).to_string());
    let message = format!("stopped: exceeded its limit of {bound} host handles");
    assert_trapped(stage, "attack", outcome, &message);
}

/// Pass the host one value larger than the grant's bound (wasmtime copies it
/// into host memory before the import runs; its own default is 128 MiB); a
/// control passing a small one works.
pub fn pass_host_an_oversized_value(stage: Stage) {
    let scene = Scene::new();
    let bound = scene.grant(stage).host.hostcall_bytes;
    assert_eq!(bound, 4 << 20, "the grant's bound");
    let mut control = scene.attacker(stage, Hostile::Bare);
    assert_allowed(stage, "passing 4 KiB", control.attack("big-value", "4096"));
    let mut a = scene.attacker(stage, Hostile::Bare);
    let outcome = a.attack("big-value", &(bound + 1).to_string());
    let message = format!(
        "stopped: passed the host more than its limit of {} KiB in one call",
        bound >> 10
    );
    assert_trapped(stage, "attack", outcome, &message);
}

/// Loop forever.
pub fn run_past_cpu_deadline(stage: Stage) {
    let scene = Scene::new();
    let mut grant = scene.grant(stage);
    assert_eq!(
        grant.call_deadline,
        expect(stage).deadline,
        "the grant's deadline"
    );
    grant.call_deadline = SPIN_DEADLINE;
    let a = Attacker::load(&grant, Hostile::Bare).expect("the spinner loads");
    let start = Instant::now();
    let outcome = a
        .attack_within("spin", String::new(), WATCHDOG)
        .unwrap_or_else(|| panic!("ESCAPE: {stage} still spinning after {WATCHDOG:?}"));
    let took = start.elapsed();
    let message = format!(
        "stopped: exceeded its CPU deadline of {} s",
        SPIN_DEADLINE.as_secs_f32()
    );
    assert_trapped(stage, "attack", outcome, &message);
    assert!(
        took >= SPIN_DEADLINE - Duration::from_millis(20) && took < SPIN_DEADLINE * 5,
        "{stage} was stopped after {took:?}, its deadline is {SPIN_DEADLINE:?}"
    );
}

/// Block in a host call far past the deadline: sleep an hour on a
/// wasi:clocks pollable. The epoch deadline cannot see it (the stage is
/// not running wasm); the watchdog must end acmebox when the deadline
/// plus its grace has passed. The test binary runs itself again for this
/// test as a child, in which the stage's real grant, with only the
/// deadline shortened to [`SPIN_DEADLINE`], blocks.
pub fn outlast_deadline_blocked_in_host(stage: Stage, test: &str) {
    assert!(
        expect(stage).clocks,
        "{stage} has no clocks: its row is the load-time refusal"
    );
    let scene = Scene::new();
    let mut grant = scene.grant(stage);
    if is_child(test) {
        grant.call_deadline = SPIN_DEADLINE;
        let mut a = Attacker::load(&grant, Hostile::Clocks).expect("the sleeper loads");
        eprintln!("{BLOCKING_SINCE}{}", unix_millis());
        let outcome = a.attack("sleep", BLOCK_MS);
        panic!("ESCAPE: {stage}: the sleep of an hour returned: {outcome:?}");
    }
    assert_eq!(
        grant.call_deadline,
        expect(stage).deadline,
        "{stage}: deadline"
    );
    let mut control = scene.attacker(stage, Hostile::Clocks);
    let slept = control.attack("sleep", "10");
    assert_eq!(
        assert_allowed(stage, "sleeping 10 ms", slept),
        "slept 10 ms"
    );
    assert_stopped_by_watchdog(stage, test);
}

/// The network stage's way to block in the host: connect to the granted
/// server, which accepts (the kernel does) and never sends a byte, and
/// wait for its answer. As [`outlast_deadline_blocked_in_host`].
pub fn outlast_deadline_reading_silent_server(stage: Stage, test: &str) {
    assert!(
        expect(stage).network,
        "{stage} has no sockets: its row is the load-time refusal"
    );
    if is_child(test) {
        // Listening, never accepting: connections complete in the
        // backlog, and nothing is ever sent.
        let silent = TcpListener::bind("127.0.0.1:0").expect("a silent server");
        let port = silent.local_addr().expect("its address").port();
        let addr = format!("127.0.0.1:{port}");
        let scene = Scene::with_server("127.0.0.1", port);
        let mut grant = scene.grant(stage);
        grant.call_deadline = SPIN_DEADLINE;
        let mut a = Attacker::load(&grant, Hostile::Net).expect("the reader loads");
        assert_allowed(stage, "resolving", a.attack("resolve", "127.0.0.1"));
        eprintln!("{BLOCKING_SINCE}{}", unix_millis());
        let outcome = a.attack("read", &addr);
        panic!("ESCAPE: {stage}: the read from a silent server returned: {outcome:?}");
    }
    // Control: a server that answers is read from.
    let talker = TcpListener::bind("127.0.0.1:0").expect("a server");
    let port = talker.local_addr().expect("its address").port();
    let answer = std::thread::spawn(move || {
        let (mut conn, _) = talker.accept().expect("accepting");
        conn.write_all(b"hello").expect("answering");
    });
    let scene = Scene::with_server("127.0.0.1", port);
    let grant = scene.grant(stage);
    assert_eq!(
        grant.call_deadline,
        expect(stage).deadline,
        "{stage}: deadline"
    );
    let mut a = scene.attacker(stage, Hostile::Net);
    assert_allowed(stage, "resolving", a.attack("resolve", "127.0.0.1"));
    let read = a.attack("read", &format!("127.0.0.1:{port}"));
    assert_eq!(assert_allowed(stage, "reading", read), "read \"hello\"");
    answer.join().expect("the server answered");
    assert_stopped_by_watchdog(stage, test);
}

/// Run `test` in a child, which blocks `stage` in the host: the watchdog
/// must end it with exit status 1 once the shortened deadline plus
/// [`GRACE`] has passed, printing the one line that names the stage, the
/// step and the deadline.
fn assert_stopped_by_watchdog(stage: Stage, test: &str) {
    let exit = run_child(test, WATCHDOG)
        .unwrap_or_else(|| panic!("ESCAPE: {stage} still blocked after {WATCHDOG:?}"));
    let line = format!(
        "acmebox: {stage} stage, attack: stopped: blocked for more than its deadline of {} s; \
         no token file was left; no certificate file was changed",
        SPIN_DEADLINE.as_secs_f32()
    );
    assert!(
        exit.stderr.lines().any(|l| l == line),
        "{stage}: expected {line:?} from the watchdog, the child ({}) wrote:\n{}",
        exit.status,
        exit.stderr
    );
    assert_eq!(exit.status.code(), Some(1), "{stage}: the exit status");
    let blocked = exit.blocked.expect("the child says when it blocked");
    let limit = SPIN_DEADLINE + GRACE;
    assert!(
        blocked + Duration::from_millis(20) >= limit && blocked < limit + WATCHDOG_SLACK,
        "{stage} was stopped after {blocked:?}, its deadline and grace are {limit:?}"
    );
}
