//! `acmebox-escape-probe HOSTILE_FS_WASM DIR`: a sandbox refusal shown by a
//! build for another target (scripts/wine-check runs the Windows one under
//! Wine), where the escape matrix (tests/escape.rs, whose test binary needs
//! Unix) does not run. Test-only: built with the `escape-probe` feature,
//! never shipped.
//!
//! In DIR it makes `key/account.pem` and `outside/secret.txt`, loads the
//! hostile wasi:filesystem component (tests/hostile/fs, built for
//! wasm32-wasip2) into the account stage's sandbox with the grant of
//! `-f DIR/key/account.pem -n` (Grant::account, as a run makes it), and has
//! it read the key (allowed: the control), the secret by absolute path and
//! through `..` (each must be refused, `open-at: not-permitted`), and create
//! a new key file (allowed; on Windows made by owner_only.rs, whose ACL is
//! then read back: owner only, unless `--acl-unverifiable` says the system
//! keeps no DACL, when it is only shown). Prints one line per attack; exits
//! 0 only if every outcome is the expected one.

use acmebox::grant::Grant;
use acmebox::key_type::KeyType;
use acmebox::sandbox::Runtime;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmtime::component::{Component, TypedFunc};

/// The hostile components' export.
type Attack = TypedFunc<(String, String), (Result<String, String>,)>;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("acmebox-escape-probe: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> wasmtime::Result<bool> {
    let mut args = std::env::args_os().skip(1);
    let (Some(wasm), Some(dir), acl, None) = (args.next(), args.next(), args.next(), args.next())
    else {
        return Err(wasmtime::format_err!(
            "usage: acmebox-escape-probe HOSTILE_FS_WASM DIR [--acl-unverifiable]"
        ));
    };
    let acl_verifiable = match acl {
        None => true,
        Some(flag) if flag == "--acl-unverifiable" => false,
        Some(other) => {
            return Err(wasmtime::format_err!(
                "acmebox-escape-probe: unknown argument {other:?}"
            ))
        }
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(dir.join("key"))?;
    std::fs::create_dir_all(dir.join("outside"))?;
    let key = dir.join("key").join("account.pem");
    std::fs::write(&key, "inside the grant\n")?;
    let secret = dir.join("outside").join("secret.txt");
    std::fs::write(&secret, "secret outside every grant\n")?;

    let runtime = Runtime::compiling()?;
    let component = Component::from_binary(runtime.engine(), &std::fs::read(&wasm)?)?;
    let grant = Grant::account(&key, Some(KeyType::default()));
    let mut sandbox = runtime.load(
        &grant,
        &component,
        (),
        |_| Ok(()),
        |store, component, linker| {
            let instance = linker.instantiate(&mut *store, component)?;
            let attack: Attack = instance.get_typed_func(&mut *store, "attack")?;
            Ok(attack)
        },
    )?;
    let mut attack = |kind: &str, arg: &str| {
        let args = (kind.to_string(), arg.to_string());
        sandbox.call("attack", |func, store| {
            let (result,) = func.call(&mut *store, args)?;
            Ok(result)
        })
    };

    let denied = "open-at: not-permitted";
    let secret_path = secret.display().to_string();
    let rows: [(&str, &str, Option<&str>); 4] = [
        ("read", "account.pem", None),
        ("read", &secret_path, Some(denied)),
        ("read", "../outside/secret.txt", Some(denied)),
        ("read", "/etc/passwd", Some(denied)),
    ];
    let mut all_as_expected = true;
    for (kind, arg, refusal) in rows {
        let outcome = attack(kind, arg);
        let ok = match (&outcome, refusal) {
            (Ok(read), None) => read == "inside the grant\n",
            (Err(e), Some(refusal)) => e.to_string().contains(refusal),
            _ => false,
        };
        all_as_expected &= ok;
        let verdict = if ok { "as expected" } else { "UNEXPECTED" };
        println!("{kind} {arg}: {outcome:?}: {verdict}");
    }
    // A new key file, created as `-n` creates one (exclusively).
    std::fs::remove_file(&key)?;
    let outcome = attack("write", "account.pem");
    let ok = outcome.is_ok() && std::fs::read(&key).is_ok_and(|k| !k.is_empty());
    all_as_expected &= ok;
    let verdict = if ok { "as expected" } else { "UNEXPECTED" };
    println!("write account.pem (new): {outcome:?}: {verdict}");
    // Windows: the new key file is readable by its owner only (an ACL).
    // With --acl-unverifiable (scripts/wine-check, where Wine does not keep
    // even a reference program's DACL: tests/wine/acl_kept.c) it is shown,
    // not counted.
    #[cfg(windows)]
    {
        let owner_only = acmebox::owner_only::is_owner_only(&key);
        let ok = matches!(owner_only, Ok(true));
        let verdict = match (ok, acl_verifiable) {
            (true, _) => "as expected",
            (false, true) => "UNEXPECTED",
            (false, false) => "not verifiable here (this system does not keep a DACL)",
        };
        all_as_expected &= ok || !acl_verifiable;
        println!("account.pem's ACL owner-only: {owner_only:?}: {verdict}");
    }
    #[cfg(not(windows))]
    let _ = acl_verifiable;
    Ok(all_as_expected)
}
