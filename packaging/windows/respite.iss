; Inno Setup 6 script for Respite on Windows: a per-user install of the PyInstaller
; one-folder bundle (dist\respite), a Start menu entry, an optional "start at login"
; task and a clean uninstall.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\respite.iss    (build.ps1 does this)
;
; The autostart task writes the same value the app's own switch uses
; (src/respite/platform/autostart.py: HKCU\Software\Microsoft\Windows\CurrentVersion\Run,
; value "Respite"), so either can turn it off. Uninstalling removes that value and the
; program files; the user's data (%LOCALAPPDATA%\respite: settings and history) stays
; unless the user ticks the box offered by the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\respite"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist\windows"
#endif

[Setup]
AppId={{6B1E4C52-6E55-4D0B-9E0B-8A3C2F6D7E10}
AppName=Respite
AppVersion={#AppVersion}
AppVerName=Respite {#AppVersion}
AppPublisher=The Respite team
DefaultDirName={localappdata}\Programs\Respite
DefaultGroupName=Respite
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=respite-{#AppVersion}-setup
SetupIconFile=..\..\build\windows\respite.ico
UninstallDisplayIcon={app}\respite.exe
UninstallDisplayName=Respite
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "autostart"; Description: "Start Respite when I sign in"; GroupDescription: "Startup:"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Respite"; Filename: "{app}\respite.exe"; WorkingDir: "{app}"
Name: "{group}\Uninstall Respite"; Filename: "{uninstallexe}"

[Registry]
; The same key and value name as WindowsAutostart in autostart.py; the quoted path is what
; subprocess.list2cmdline writes for a path with spaces.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "Respite"; ValueData: """{app}\respite.exe"""; Tasks: autostart; Flags: uninsdeletevalue

[Run]
Filename: "{app}\respite.exe"; Description: "Start Respite now"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; Ask a running Respite to quit before its files are removed.
Filename: "{sys}\taskkill.exe"; Parameters: "/IM respite.exe /T"; Flags: runhidden; RunOnceId: "StopRespite"

[Code]
// The user's data (settings, history, logs): platformdirs' user config and data folder
// for "respite" with appauthor=False, i.e. %LOCALAPPDATA%\respite (see src/respite/paths.py).
const
  RunKey = 'Software\Microsoft\Windows\CurrentVersion\Run';
var
  RemoveDataCheckBox: TNewCheckBox;
  RemoveData: Boolean;

// Inno Setup's uninstaller has no wizard pages, so the checkbox goes on a small dialog
// shown before anything is removed. Unticked by default; a silent uninstall keeps the data.
function InitializeUninstall(): Boolean;
var
  Form: TSetupForm;
  Prompt: TNewStaticText;
  OkButton, CancelButton: TNewButton;
begin
  Result := True;
  RemoveData := False;
  if UninstallSilent() then
    Exit;
  Form := CreateCustomForm(ScaleX(420), ScaleY(150), False, True);
  try
    Form.Caption := 'Uninstall Respite';
    Prompt := TNewStaticText.Create(Form);
    Prompt.Parent := Form;
    Prompt.Left := ScaleX(12);
    Prompt.Top := ScaleY(12);
    Prompt.Width := Form.ClientWidth - ScaleX(24);
    Prompt.AutoSize := False;
    Prompt.WordWrap := True;
    Prompt.Height := ScaleY(40);
    Prompt.Caption := 'Respite will be removed from this computer. Your settings and ' +
      'history are kept, so a later install picks up where you left off.';
    RemoveDataCheckBox := TNewCheckBox.Create(Form);
    RemoveDataCheckBox.Parent := Form;
    RemoveDataCheckBox.Left := ScaleX(12);
    RemoveDataCheckBox.Top := ScaleY(60);
    RemoveDataCheckBox.Width := Form.ClientWidth - ScaleX(24);
    RemoveDataCheckBox.Caption := 'Also delete my settings and history (' +
      ExpandConstant('{localappdata}') + '\respite)';
    RemoveDataCheckBox.Checked := False;
    OkButton := TNewButton.Create(Form);
    OkButton.Parent := Form;
    OkButton.Caption := 'Uninstall';
    OkButton.ModalResult := mrOk;
    OkButton.Default := True;
    OkButton.Left := Form.ClientWidth - ScaleX(180);
    OkButton.Top := Form.ClientHeight - ScaleY(36);
    OkButton.Width := ScaleX(80);
    CancelButton := TNewButton.Create(Form);
    CancelButton.Parent := Form;
    CancelButton.Caption := 'Cancel';
    CancelButton.ModalResult := mrCancel;
    CancelButton.Cancel := True;
    CancelButton.Left := Form.ClientWidth - ScaleX(92);
    CancelButton.Top := OkButton.Top;
    CancelButton.Width := ScaleX(80);
    Result := Form.ShowModal() = mrOk;
    RemoveData := RemoveDataCheckBox.Checked;
  finally
    Form.Free();
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  // The app's own switch (Settings > Start at login) may have written the Run value
  // without the installer's task: remove it in every case.
  if CurUninstallStep = usUninstall then
    RegDeleteValue(HKEY_CURRENT_USER, RunKey, 'Respite');
  if (CurUninstallStep = usPostUninstall) and RemoveData then
    DelTree(ExpandConstant('{localappdata}\respite'), True, True, True);
end;
