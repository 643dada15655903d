/*
 * Test-only mi.dll for the Wine suite (tests/wine/stack.sh): a WMI that
 * never answers. Windows PowerShell's Get-CimInstance reaches WMI through
 * the MI client API (Microsoft.Management.Infrastructure P/Invokes mi.dll);
 * this MI_Application_InitializeV1 blocks forever, as a call into a hung
 * winmgmt does. Wine ships no mi.dll; the suite copies this one into the
 * throwaway prefix's system32 for the WMI-hang case only, then removes it.
 * Never part of the product.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o mi.dll mihang.c
 */
#include <windows.h>

__declspec(dllexport) UINT32 MI_Application_InitializeV1(UINT32 flags, const void *applicationID, void **extendedError, void *application)
{
    (void)flags; (void)applicationID; (void)extendedError; (void)application;
    Sleep(INFINITE);
    return 1; /* MI_RESULT_FAILED, never reached */
}

BOOL WINAPI DllMain(HINSTANCE hinst, DWORD reason, LPVOID reserved)
{
    (void)hinst; (void)reason; (void)reserved;
    return TRUE;
}
