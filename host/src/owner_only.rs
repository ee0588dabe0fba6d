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
use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, HANDLE};
use windows_sys::Win32::Security::Authorization::{
    GetSecurityInfo, SetSecurityInfo, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    AclSizeInformation, AddAccessAllowedAce, EqualSid, GetAce, GetAclInformation, GetLengthSid,
    GetSecurityDescriptorControl, GetTokenInformation, InitializeAcl, TokenUser,
    ACCESS_ALLOWED_ACE, ACL, ACL_REVISION, ACL_SIZE_INFORMATION, DACL_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, SE_DACL_PROTECTED, TOKEN_QUERY,
    TOKEN_USER,
};

/// winnt.h's ACCESS_ALLOWED_ACE_TYPE (windows-sys has it under a feature
/// acmebox does not otherwise need).
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
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

/// Whether `path`'s discretionary ACL is what [`create`] sets: protected
/// from inheritance, one entry, allowing the current user. For the
/// test-only escape probe (src/bin/escape_probe.rs), which checks the key
/// files a stage creates.
pub fn is_owner_only(path: &Path) -> io::Result<bool> {
    let file = std::fs::OpenOptions::new()
        .access_mode(READ_CONTROL)
        .open(path)?;
    let user = TokenUserSid::current()?;
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: the handle is `file`'s, open with READ_CONTROL; on success
    // `descriptor` is a LocalAlloc'd block, freed below, that `dacl`
    // points into.
    let status = unsafe {
        GetSecurityInfo(
            file.as_raw_handle() as HANDLE,
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut dacl,
            std::ptr::null_mut(),
            &mut descriptor,
        )
    };
    if status != 0 {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    // SAFETY: `descriptor` and `dacl` are valid until the LocalFree; each
    // out-parameter is a local of the right type.
    let owner_only = unsafe {
        let mut control = 0u16;
        let mut revision = 0u32;
        let mut size = ACL_SIZE_INFORMATION::default();
        let mut ace: *mut core::ffi::c_void = std::ptr::null_mut();
        let ok = !dacl.is_null()
            && GetSecurityDescriptorControl(descriptor, &mut control, &mut revision) != 0
            && control & SE_DACL_PROTECTED != 0
            && GetAclInformation(
                dacl,
                (&mut size as *mut ACL_SIZE_INFORMATION).cast(),
                std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            ) != 0
            && size.AceCount == 1
            && GetAce(dacl, 0, &mut ace) != 0;
        ok && {
            let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
            (*ace).Header.AceType == ACCESS_ALLOWED_ACE_TYPE
                && EqualSid(std::ptr::addr_of_mut!((*ace).SidStart).cast(), user.sid()) != 0
        }
    };
    // SAFETY: allocated by GetSecurityInfo, freed once.
    unsafe { LocalFree(descriptor) };
    Ok(owner_only)
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
