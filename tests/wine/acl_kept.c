/* Test-only: does this Windows (or Wine) keep a file's DACL?
 *
 * `acl_kept PATH` creates PATH (which must not exist) and sets on it, by the
 * textbook calls, the protected DACL that host/src/owner_only.rs sets on a
 * new key file: one entry, full access for the token's user, inheriting
 * nothing. It then opens the file again and reads the DACL back. Exit 0 if
 * it is the one set, 1 if not (what was read is printed), 2 if a call
 * failed.
 *
 * scripts/wine-check runs it before the escape probe: where this reference
 * is not kept (Wine 8 answers SetSecurityInfo with success and reads back
 * a DACL made from the file's Unix mode), the probe's own owner-only check
 * cannot be verified there and is reported as such; where it is kept, the
 * probe's check must pass. */
#include <windows.h>
#include <aclapi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: acl_kept PATH\n");
        return 2;
    }
    HANDLE token;
    BYTE user[256];
    DWORD len;
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)
        || !GetTokenInformation(token, TokenUser, user, sizeof user, &len)) {
        fprintf(stderr, "acl_kept: token: error %lu\n", GetLastError());
        return 2;
    }
    PSID sid = ((TOKEN_USER *)user)->User.Sid;
    DWORD acl_len = (sizeof(ACL) + 8 + GetLengthSid(sid) + 3) & ~3u;
    PACL acl = malloc(acl_len);
    if (!acl || !InitializeAcl(acl, acl_len, ACL_REVISION)
        || !AddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, sid)) {
        fprintf(stderr, "acl_kept: building the ACL: error %lu\n", GetLastError());
        return 2;
    }
    HANDLE file = CreateFileA(argv[1], WRITE_DAC | READ_CONTROL, 0, NULL, CREATE_NEW,
                              FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "acl_kept: creating %s: error %lu\n", argv[1], GetLastError());
        return 2;
    }
    DWORD status = SetSecurityInfo(file, SE_FILE_OBJECT,
                                   DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                   NULL, NULL, acl, NULL);
    CloseHandle(file);
    if (status != ERROR_SUCCESS) {
        fprintf(stderr, "acl_kept: SetSecurityInfo: error %lu\n", status);
        return 2;
    }
    file = CreateFileA(argv[1], READ_CONTROL, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision;
    ACL_SIZE_INFORMATION size = {0};
    if (file == INVALID_HANDLE_VALUE
        || GetSecurityInfo(file, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
                           NULL, &sd) != ERROR_SUCCESS
        || !dacl || !GetSecurityDescriptorControl(sd, &control, &revision)
        || !GetAclInformation(dacl, &size, sizeof size, AclSizeInformation)) {
        fprintf(stderr, "acl_kept: reading the DACL back: error %lu\n", GetLastError());
        return 2;
    }
    int kept = (control & SE_DACL_PROTECTED) && size.AceCount == 1;
    printf("acl_kept: DACL read back: %s, %lu entries\n",
           control & SE_DACL_PROTECTED ? "protected" : "not protected", size.AceCount);
    for (DWORD i = 0; i < size.AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace;
        if (!GetAce(dacl, i, (void **)&ace))
            return 2;
        int own = ace->Header.AceType == ACCESS_ALLOWED_ACE_TYPE && EqualSid(&ace->SidStart, sid);
        printf("acl_kept:   entry %lu: type %d, mask %#lx, %s\n", i, ace->Header.AceType,
               ace->Mask, own ? "allows the token's user" : "another");
        kept = kept && own && ace->Mask == FILE_ALL_ACCESS;
    }
    printf("acl_kept: %s\n", kept ? "kept" : "NOT kept");
    return kept ? 0 : 1;
}
