//! Windows: private key files born readable by their owner only, the
//! counterpart of the 077 umask modes.rs sets on Unix.
//!
//! A file created on Windows takes the inheritable entries of its
//! directory's access control list (ACL), which usually let others read it
//! (`C:\ProgramData`, for one, lets every user read). Windows has no umask,
//! and wasmtime-wasi creates a stage's files with the default security, so
//! the host creates each new file of a private-key directory itself, before
//! the stage opens it (narrow.rs): with [`create`], exclusively, sharing
//! nothing while it holds it (no other handle can be opened on it), and
//! with a protected discretionary ACL of one entry, full access for the
//! user acmebox runs as (the token's user), inheriting nothing from the
//! directory. Only then is the handle closed and the empty file handed to
//! the stage, which writes the key into it: no byte of a key is ever in a
//! file someone else could have opened. Administrators can still take
//! ownership of it, as root can read a 0600 file (docs/SECURITY.md).

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::AsRawHandle;
use std::path::Path;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::Security::Authorization::{SetSecurityInfo, SE_FILE_OBJECT};
use windows_sys::Win32::Security::{
    AddAccessAllowedAce, GetLengthSid, GetTokenInformation, InitializeAcl, TokenUser, ACL,
    ACL_REVISION, DACL_SECURITY_INFORMATION, PROTECTED_DACL_SECURITY_INFORMATION, TOKEN_QUERY,
    TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::{FILE_ALL_ACCESS, READ_CONTROL, WRITE_DAC};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Create `path`, which must not exist, empty and readable (and writable)
/// by the current user only; `AlreadyExists` if anything is at `path`
/// (a link included: `CREATE_NEW` never follows one). The file is removed
/// again if its ACL cannot be set.
pub fn create(path: &Path) -> io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .access_mode(WRITE_DAC | READ_CONTROL)
        .share_mode(0)
        .open(path)?;
    match restrict(&file) {
        Ok(()) => Ok(()),
        Err(e) => {
            drop(file);
            let _ = std::fs::remove_file(path);
            Err(e)
        }
    }
}

/// Replace `file`'s discretionary ACL with one granting the current user
/// full access, protected from inheritance.
fn restrict(file: &File) -> io::Result<()> {
    let user = TokenUserSid::current()?;
    // An ACL with room for one ACCESS_ALLOWED_ACE: the ACL header, the
    // ACE header and mask (8 bytes) and the SID (which replaces the ACE's
    // 4-byte `SidStart`), in u32 units for the alignment InitializeAcl asks.
    // SAFETY: `user.sid()` points into `user`'s buffer, alive here.
    let sid_len = unsafe { GetLengthSid(user.sid()) } as usize;
    let acl_len = (std::mem::size_of::<ACL>() + 8 + sid_len).next_multiple_of(4);
    let mut acl = vec![0u32; acl_len / 4];
    let acl_ptr = acl.as_mut_ptr().cast::<ACL>();
    // SAFETY: `acl` holds `acl_len` bytes, u32-aligned; the SID is valid.
    let ok = unsafe {
        InitializeAcl(acl_ptr, acl_len as u32, ACL_REVISION) != 0
            && AddAccessAllowedAce(acl_ptr, ACL_REVISION, FILE_ALL_ACCESS, user.sid()) != 0
    };
    if !ok {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the handle is `file`'s, open with WRITE_DAC; the ACL was
    // built above and outlives the call.
    let status = unsafe {
        SetSecurityInfo(
            file.as_raw_handle() as HANDLE,
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl_ptr,
            std::ptr::null(),
        )
    };
    if status != 0 {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    Ok(())
}

/// The `TOKEN_USER` of the process's token, in a buffer of its own.
struct TokenUserSid {
    /// u64 units: TOKEN_USER holds a pointer.
    buffer: Vec<u64>,
}

impl TokenUserSid {
    fn current() -> io::Result<TokenUserSid> {
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: GetCurrentProcess returns a pseudo-handle; `token` is
        // written on success and closed below.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let result = Self::query(token);
        // SAFETY: `token` was opened above and is closed once.
        unsafe { CloseHandle(token) };
        result
    }

    fn query(token: HANDLE) -> io::Result<TokenUserSid> {
        let mut len = 0u32;
        // SAFETY: a size query: no buffer, `len` receives the size needed.
        unsafe { GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut len) };
        if (len as usize) < std::mem::size_of::<TOKEN_USER>() {
            return Err(io::Error::last_os_error());
        }
        let mut buffer = vec![0u64; (len as usize).div_ceil(8)];
        // SAFETY: `buffer` holds at least `len` bytes, 8-byte aligned.
        let ok = unsafe {
            GetTokenInformation(token, TokenUser, buffer.as_mut_ptr().cast(), len, &mut len)
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(TokenUserSid { buffer })
    }

    /// The user's SID, pointing into `self`.
    fn sid(&self) -> *mut core::ffi::c_void {
        // SAFETY: GetTokenInformation filled the buffer with a TOKEN_USER.
        unsafe { (*self.buffer.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}
