//! `--http-listen`: the built-in http-01 responder (the responder stage,
//! lacme's webserver) against pebble with no other web server: pebble's
//! `httpPort` is a free port where only acmebox listens
//! (`testbed::Builder::no_http01_server`). A certificate is issued and
//! verified, and the port is free again afterwards; a port already taken
//! fails the run before any request, naming the address; IPv6 where the
//! machine has it; a `--config` batch shares one responder; usage errors and
//! `grants`. What the responder answers to each kind of request is
//! unit-tested in the stage (`cd components && cargo test -p responder`).

mod common;

use common::{acmebox, assert_installed, Client, Run};
use std::net::{Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use testbed::{test_names, Testbed, Tripwire};

/// pebble with no http-01 server of the testbed's.
fn testbed() -> Testbed {
    Testbed::builder()
        .no_http01_server()
        .start()
        .expect("start pebble (run scripts/setup first)")
}

/// `--http-listen` on pebble's validation port at `ip`.
fn listen_on(bed: &Testbed, ip: &str) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{}", bed.http01_port())
    } else {
        format!("{ip}:{}", bed.http01_port())
    }
}

/// `client` against `bed` with `flags` (the responder's among them).
fn issue(bed: &Testbed, client: &Client, flags: &[&str], names: &[String]) -> Run {
    client.issue(bed, flags, names)
}

/// Nothing listens on `addr` any more, and it can be bound again.
fn assert_free(addr: &str) {
    let addr: SocketAddr = addr.parse().expect("an address");
    assert!(
        TcpStream::connect(addr).is_err(),
        "something still listens on {addr}"
    );
    TcpListener::bind(addr).unwrap_or_else(|e| panic!("{addr} cannot be bound again: {e}"));
}

/// Whether this machine has IPv6 loopback (some containers do not).
fn has_ipv6_loopback() -> bool {
    TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
}

#[test]
fn issues_with_the_responder_and_no_other_web_server() {
    let bed = testbed();
    let client = Client::new();
    let names = test_names(2);
    let listen = listen_on(&bed, "127.0.0.1");
    let run = issue(
        &bed,
        &client,
        &["-nN", "-v", "--http-listen", &listen],
        &names,
    );
    run.expect_code(0);
    assert_installed(&bed, &client, &names);
    for name in &names {
        assert!(
            run.stderr
                .contains(&format!("4.2 token for {name} served on {listen}")),
            "{}",
            run.stderr
        );
    }
    assert!(
        run.stderr
            .contains(&format!("the responder listens on {listen}")),
        "{}",
        run.stderr
    );
    // The challenge directory (-C, given) was not used: nothing was written.
    assert_eq!(
        std::fs::read_dir(bed.challenge_dir())
            .expect("challenge dir")
            .count(),
        0
    );
    assert_free(&listen);
    // Up to date: it listened (as -C would be probed) and gave the port back.
    issue(&bed, &client, &["--http-listen", &listen], &names).expect_code(2);
    assert_free(&listen);
    // And again, forced: the same port is taken and given back once more.
    issue(&bed, &client, &["-F", "--http-listen", &listen], &names).expect_code(0);
    assert_installed(&bed, &client, &names);
    assert_free(&listen);
}

#[test]
fn a_port_in_use_fails_before_the_server_is_contacted() {
    let mut bed = testbed();
    let client = Client::new();
    let listen = listen_on(&bed, "127.0.0.1");
    let taken = TcpListener::bind(&listen).expect("the test takes the port");
    bed.stop_pebble();
    let tripwire = Tripwire::start_on(bed.acme_port()).expect("tripwire on pebble's port");
    let run = issue(
        &bed,
        &client,
        &["-nN", "--http-listen", &listen],
        &test_names(1),
    );
    run.expect_code(1);
    let line = run.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    assert!(
        line.contains(&format!("cannot listen on {listen}")) && line.contains("in use"),
        "{line}"
    );
    assert_eq!(tripwire.connections(), 0, "contacted the server");
    // Before the keys: -n and -N created nothing.
    assert!(!client.account_key().exists() && !client.domain_key().exists());
    // The test's own listener was not disturbed.
    drop(TcpStream::connect(&listen).expect("the test's listener still listens"));
    drop(taken);
}

#[test]
fn ipv6_loopback_is_listened_on_and_given_back() {
    if !has_ipv6_loopback() {
        eprintln!("skipped: this machine has no IPv6 loopback (::1)");
        return;
    }
    let bed = testbed();
    let client = Client::new();
    let names = test_names(1);
    let (v4, v6) = (listen_on(&bed, "127.0.0.1"), listen_on(&bed, "::1"));
    // pebble's validator connects to 127.0.0.1 (its DNS answers no AAAA):
    // the IPv6 listener is granted, bound and closed beside it.
    let run = issue(
        &bed,
        &client,
        &["-nN", "-v", "--http-listen", &v4, "--http-listen", &v6],
        &names,
    );
    run.expect_code(0);
    assert!(
        run.stderr
            .contains(&format!("the responder listens on {v4}, {v6}")),
        "{}",
        run.stderr
    );
    assert_installed(&bed, &client, &names);
    assert_free(&v4);
    assert_free(&v6);
    // [::1] taken: the run fails naming it, before anything else.
    let taken = TcpListener::bind(&v6).expect("the test takes [::1]");
    let run = issue(
        &bed,
        &client,
        &["-F", "--http-listen", &v4, "--http-listen", &v6],
        &names,
    );
    run.expect_code(1);
    assert!(
        run.stderr.contains(&format!("cannot listen on {v6}")),
        "{}",
        run.stderr
    );
    drop(taken);
    assert_free(&v4);
}

/// A `--config` batch: one responder for both certificates. Neither domain
/// names a `challengedir`, so acme-client's default /var/www/acme is theirs
/// and is not used (nor need it exist).
#[test]
fn a_config_batch_shares_one_responder() {
    let bed = testbed();
    // Each key in a directory of its own (acme/, private/), the
    // certificates in ssl/.
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["acme", "private", "ssl"] {
        std::fs::create_dir(dir.path().join(sub)).expect("a directory");
    }
    let root = dir.path().display().to_string();
    let conf = dir.path().join("acme-client.conf");
    let text = format!(
        "{authority}domain one {{\n\
         \tdomain name one.example.com\n\
         \tdomain key \"{root}/private/one.key\"\n\
         \tdomain full chain certificate \"{root}/ssl/one.pem\"\n\
         }}\n\
         domain two {{\n\
         \tdomain name two.example.com\n\
         \tdomain key \"{root}/private/two.key\"\n\
         \tdomain full chain certificate \"{root}/ssl/two.pem\"\n\
         }}\n",
        authority = common::authority(&bed, &dir.path().join("acme/account.pem")),
    );
    std::fs::write(&conf, text).expect("write the configuration");
    let listen = listen_on(&bed, "127.0.0.1");
    let conf = conf.display().to_string();
    let run = acmebox(&[
        "--config",
        &conf,
        "-n",
        "-N",
        "-v",
        "--http-listen",
        &listen,
    ]);
    run.expect_code(0);
    for line in ["one: installed", "two: installed"] {
        assert!(run.stderr.contains(line), "{line:?} in {}", run.stderr);
    }
    let listening = run
        .stderr
        .lines()
        .filter(|l| l.contains("the responder listens on"))
        .count();
    assert_eq!(listening, 1, "one responder for the batch: {}", run.stderr);
    assert_free(&listen);
    // Its port taken: every certificate fails, saying why.
    let taken = TcpListener::bind(&listen).expect("the test takes the port");
    let run = acmebox(&["--config", &conf, "-F", "--http-listen", &listen]);
    run.expect_code(1);
    for handle in ["one", "two"] {
        let line = format!("{handle}: failed: responder stage, bind: cannot listen on {listen}");
        assert!(run.stderr.contains(&line), "{line:?} in {}", run.stderr);
    }
    drop(taken);
}

#[test]
fn http_listen_is_an_address_and_port_and_not_with_t() {
    let client = Client::new();
    let args = client.args_offline("https://127.0.0.1:1/dir");
    let run_with = |flags: &[&str]| {
        let mut all: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        all.extend(args.iter().cloned());
        all.push("example.com".into());
        acmebox(&all)
    };
    for (bad, why) in [
        ("localhost:80", "is not ADDR:PORT"),
        ("127.0.0.1", "is not ADDR:PORT"),
        ("::1:80", "is not ADDR:PORT"),
        ("127.0.0.1:0", "port 0"),
    ] {
        let run = run_with(&["--http-listen", bad]);
        run.expect_code(1);
        assert!(
            run.stderr.contains("--http-listen") && run.stderr.contains(why),
            "{bad}: {}",
            run.stderr
        );
    }
    let run = run_with(&["--http-listen", "127.0.0.1:80", "-t", "http-01"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("--http-listen") && run.stderr.contains("-t"),
        "{}",
        run.stderr
    );
    let run = run_with(&[
        "--http-listen",
        "127.0.0.1:80",
        "--http-listen",
        "127.0.0.1:80",
    ]);
    run.expect_code(1);
    assert!(run.stderr.contains("given twice"), "{}", run.stderr);
    assert!(
        std::fs::read_dir(&client.certs)
            .expect("certs")
            .next()
            .is_none(),
        "nothing was written"
    );
}

#[test]
fn grants_shows_the_responders_addresses_or_that_it_is_not_run() {
    let client = Client::new();
    let args = client.args_offline("https://127.0.0.1:1/dir");
    let grants = |flags: &[&str], json: bool| {
        let mut all: Vec<String> = vec!["grants".into()];
        if json {
            all.push("--json".into());
        }
        all.extend(flags.iter().map(|f| f.to_string()));
        all.extend(args.iter().cloned());
        all.push("example.com".into());
        let run = acmebox(&all);
        run.expect_code(0);
        run.stdout
    };
    let stage = |json: &serde_json::Value, name: &str| -> serde_json::Value {
        json.as_array()
            .expect("an array of stages")
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no {name} stage"))
            .clone()
    };

    let listening = [
        "--http-listen",
        "127.0.0.1:8080",
        "--http-listen",
        "[::1]:8080",
    ];
    let json: serde_json::Value = serde_json::from_str(&grants(&listening, true)).expect("JSON");
    let responder = stage(&json, "responder");
    assert_eq!(
        responder["listen"],
        serde_json::json!(["127.0.0.1:8080", "[::1]:8080"])
    );
    assert_eq!(responder["network"], serde_json::Value::Null);
    assert_eq!(responder["directories"], serde_json::json!([]));
    assert_eq!(
        responder["wasi"],
        serde_json::json!(["cli", "clocks", "tcp"])
    );
    assert_eq!(
        responder["host_imports"],
        serde_json::json!(["acmebox:stages/key-authorizations"])
    );
    let imports: Vec<&str> = responder["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .filter_map(|i| i.as_str())
        .collect();
    assert!(
        imports.iter().any(|i| i.starts_with("wasi:sockets/tcp@")),
        "{imports:?}"
    );
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:sockets/udp")
            || i.starts_with("wasi:sockets/ip-name-lookup")
            || i.starts_with("wasi:filesystem/")),
        "{imports:?}"
    );
    // -C is not used: the challenge stage has no directory.
    assert_eq!(
        stage(&json, "challenge")["directories"],
        serde_json::json!([])
    );
    let text = grants(&listening, false);
    assert!(
        text.contains("listen     TCP on 127.0.0.1:8080, [::1]:8080 only"),
        "{text}"
    );

    let json: serde_json::Value = serde_json::from_str(&grants(&[], true)).expect("JSON");
    assert_eq!(stage(&json, "responder")["listen"], serde_json::json!([]));
    let text = grants(&[], false);
    assert!(
        text.contains("listen     none (not run: no --http-listen)"),
        "{text}"
    );
}
