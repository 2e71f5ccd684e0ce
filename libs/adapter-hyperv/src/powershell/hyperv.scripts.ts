import { psQuote } from './powershell.script';

/**
 * The Hyper-V module and FailoverClusters cmdlets behind each adapter operation. Inputs come
 * first as single-quoted variables ($r VM reference, $t target host, $p path, $g seconds), so a
 * name is never parsed as code. Outputs are one compressed JSON document on stdout.
 */

/** Id and State as strings: Windows PowerShell 5.1 writes enums as numbers and GUIDs variously. */
const VM_FIELDS = "Select-Object Name,@{n='Id';e={[string]$_.Id}},@{n='State';e={[string]$_.State}},ComputerName";

/**
 * A VM by Id (a GUID reference) or by exact name. Get-VM -Name takes wildcards, so a name with
 * wildcard characters is matched exactly among all VMs; names are not unique in Hyper-V, so an
 * ambiguous name is an error rather than a guess.
 */
const GET_VM =
  'function Get-HaaasVm([string]$Ref){$g=[guid]::Empty;if([guid]::TryParse($Ref,[ref]$g)){return Get-VM -Id $g}\n' +
  'if([Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Ref)){$v=@(Get-VM|Where-Object Name -eq $Ref)\n' +
  'if($v.Count -eq 0){Write-Error -Category ObjectNotFound -ErrorId ObjectNotFound -Message "Hyper-V was unable to find a virtual machine with name `"$Ref`"."}}\n' +
  'else{$v=@(Get-VM -Name $Ref)}\n' +
  'if($v.Count -gt 1){Write-Error -Category InvalidArgument -ErrorId HaaasAmbiguousVmName -Message "$($v.Count) virtual machines are named `"$Ref`": use the VM Id"}\n' +
  '$v[0]}';

const withVm = (ref: string, body: string): string => `$r=${psQuote(ref)}\n${GET_VM}\n$vm=Get-HaaasVm $r\n${body}`;

export const HypervScripts = {
  probe: (): string =>
    '$h=Get-VMHost;$n=$null\n' +
    'if(Get-Command Get-ClusterNode -ErrorAction SilentlyContinue){try{$n=Get-ClusterNode -Name $env:COMPUTERNAME -ErrorAction Stop}catch{$n=$null}}\n' +
    '[pscustomobject]@{ComputerName=$h.ComputerName;Fqdn=$h.FullyQualifiedDomainName;LogicalProcessorCount=$h.LogicalProcessorCount;' +
    'MemoryCapacity=$h.MemoryCapacity;OsVersion=[Environment]::OSVersion.Version.ToString();' +
    'Cluster=$(if($n){[string]$n.Cluster});NodeState=$(if($n){[string]$n.State})}|ConvertTo-Json -Compress',

  listVms: (): string => `ConvertTo-Json -Compress -InputObject @(Get-VM|${VM_FIELDS})`,

  getVm: (ref: string): string => withVm(ref, `$vm|${VM_FIELDS}|ConvertTo-Json -Compress`),

  /** Paused resumes; Off and Saved start; Running is left alone (idempotent). */
  startVm: (ref: string): string =>
    withVm(ref, "if($vm.State -eq 'Paused'){Resume-VM -VM $vm}elseif($vm.State -ne 'Running'){Start-VM -VM $vm}\n" + `Get-VM -Id $vm.Id|${VM_FIELDS}|ConvertTo-Json -Compress`),

  /**
   * A guest shutdown (Stop-VM -Force: no prompt, through the shutdown integration service) given
   * `graceSeconds`, then power off (-TurnOff). Off already is success.
   */
  stopVm: (ref: string, graceSeconds: number): string =>
    withVm(
      ref,
      `$g=${Math.max(0, Math.floor(graceSeconds))}\n` +
        "if($vm.State -eq 'Off'){return}\n$done=$false\n" +
        "if($g -gt 0 -and $vm.State -eq 'Running'){$j=Stop-VM -VM $vm -Force -AsJob\n" +
        "if(Wait-Job $j -Timeout $g){$done=((Get-VM -Id $vm.Id).State -eq 'Off')}\nRemove-Job $j -Force}\n" +
        'if(-not $done){Stop-VM -VM $vm -TurnOff -Force}',
    ),

  /** A hard reset, as a watchdog would do: it needs no integration services in the guest. */
  rebootVm: (ref: string): string => withVm(ref, 'Restart-VM -VM $vm -Force'),

  /** The configuration file (`<ConfigurationLocation>\Virtual Machines\<Id>.vmcx`; .xml before 2016). */
  exportVm: (ref: string): string =>
    withVm(
      ref,
      "$p=Join-Path $vm.ConfigurationLocation ('Virtual Machines\\'+([string]$vm.Id).ToUpper()+'.vmcx')\n" +
        "if(-not(Test-Path -LiteralPath $p)){$x=[IO.Path]::ChangeExtension($p,'xml');if(Test-Path -LiteralPath $x){$p=$x}}\n" +
        '[pscustomobject]@{Name=$vm.Name;Id=[string]$vm.Id;Path=$p;ConfigurationLocation=$vm.ConfigurationLocation}|ConvertTo-Json -Compress',
    ),

  /** In-place registration (the files stay on shared storage, the Id is kept); a VM already there is returned. */
  registerVm: (path: string): string =>
    `$p=${psQuote(path)}\n` +
    '$g=[guid]::Empty;$vm=$null\n' +
    'if([guid]::TryParse([IO.Path]::GetFileNameWithoutExtension($p),[ref]$g)){$vm=Get-VM -Id $g -ErrorAction SilentlyContinue}\n' +
    'if(-not $vm){$vm=Import-VM -Path $p -Register}\n' +
    `$vm|${VM_FIELDS}|ConvertTo-Json -Compress`,

  /** Live migration: by the cluster for a clustered VM, Move-VM otherwise; already there is success. */
  migrateVm: (ref: string, target: string): string =>
    withVm(
      ref,
      `$t=${psQuote(target)}\n` +
        "if($vm.ComputerName -eq $t -or $vm.ComputerName -eq ($t -split '\\.')[0]){return}\n" +
        'if($vm.IsClustered -and (Get-Command Move-ClusterVirtualMachineRole -ErrorAction SilentlyContinue)){' +
        'Move-ClusterVirtualMachineRole -Name $vm.Name -Node $t -MigrationType Live|Out-Null}\n' +
        'else{Move-VM -VM $vm -DestinationHost $t}',
    ),

  hostStatus: (): string => '[pscustomobject]@{ComputerName=[Environment]::MachineName}|ConvertTo-Json -Compress',
  hostOff: (): string => 'Stop-Computer -Force',
  hostReboot: (): string => 'Restart-Computer -Force',
} as const;
