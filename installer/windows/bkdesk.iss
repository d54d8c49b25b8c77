; Inno Setup script for bkdesk (Inno Setup 6.3 or newer; UTF-8 with BOM).
; Build on Windows after PyInstaller, from this folder:   iscc /DAppVersion=0.1.0 bkdesk.iss
; (installer/build.py runs both steps.) Input: ..\..\dist\bkdesk\ (the PyInstaller one-folder bundle).
;
; - Per-user install, no administrator rights: PrivilegesRequired=lowest, so {autopf} is the user's
;   Programs folder, {autoprograms}/{autodesktop} the user's Start menu/desktop and HKA is HKCU.
; - Start menu shortcut always; desktop shortcut optional (task, checked).
; - .xlsx stays with Excel: no default association is taken. bkdesk is only offered under
;   "Open with" for .xlsx (Applications\bkdesk.exe\SupportedTypes and .xlsx\OpenWithProgids).
; - Every directive, section parameter and flag used here is documented in the Inno Setup help.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "bkdesk"
#define AppExe "bkdesk.exe"
#define ProgId "bkdesk.package.1"
#ifndef DistDir
  #define DistDir "..\..\dist\bkdesk"
#endif

[Setup]
; Never change AppId: it identifies the installation for upgrades and uninstall.
AppId={{6A0C7E52-3B1D-4B8E-9E61-2F4D8B6C1A07}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=bkdesk
AppComments=Rà soát hộ nghèo, hộ cận nghèo
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
OutputDir=..\..\dist
OutputBaseFilename=bkdesk-{#AppVersion}-setup
SetupIconFile=..\..\bkdesk\resources\icons\bkdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
; Inno Setup ships no official Vietnamese translation. If the unofficial Vietnamese.isl (Inno Setup's
; third-party translations) is placed next to this script, the whole wizard is in Vietnamese;
; otherwise the wizard uses the default messages and our own texts below are still Vietnamese.
#ifexist "Vietnamese.isl"
Name: "vi"; MessagesFile: "Vietnamese.isl"
#else
Name: "vi"; MessagesFile: "compiler:Default.isl"
#endif

[CustomMessages]
CreateDesktopIcon=Tạo biểu tượng bkdesk trên màn hình &nền
AdditionalIcons=Biểu tượng:
LaunchProgram=Mở %1 ngay
UninstallProgram=Gỡ cài đặt %1
PackageFileDescription=Gói dữ liệu bkdesk (Excel)

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Registry]
; "Open with" for .xlsx without taking the association (the extension's default value is left alone).
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".xlsx"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "{cm:PackageFileDescription}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\.xlsx\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
