<#
.SYNOPSIS
    Every embedded script parses under Windows PowerShell's own parser and
    declares exactly the manifest's parameters.
.DESCRIPTION
    The grammar check in tests/psgrammar uses tree-sitter; this one uses
    System.Management.Automation.Language.Parser of the PowerShell that runs
    the suite (5.1 in CI), so both grammars must accept every script.
#>

BeforeDiscovery {
    $manifestPath = Join-Path -Path $PSScriptRoot -ChildPath '..\..\scripts\manifest.json'
    $manifest = Get-Content -LiteralPath $manifestPath -Raw | ConvertFrom-Json
    $scriptCases = @(foreach ($s in $manifest.scripts) {
            @{ Name = [string]$s.name; File = [string]$s.file; ReadOnly = [bool]$s.readOnly }
        })
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')

    function Get-WurAst {
        param([string]$Path)
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
        [pscustomobject]@{ Ast = $ast; Errors = @($errors) }
    }

    # Manifest parameter type -> the .NET type a [type] constraint must give.
    $paramTypes = @{ 'string' = [string]; 'int' = [int]; 'bool' = [bool]; 'string[]' = [string[]] }
}

Describe 'embedded script <Name>' -ForEach $scriptCases {
    BeforeAll {
        $path = Join-Path -Path $WurScriptsDir -ChildPath $File
        $parsed = Get-WurAst -Path $path
        $entry = Get-WurManifestEntry -Name $Name
    }

    It 'parses without errors' {
        $parsed.Errors.Count | Should -Be 0
    }

    It 'is no longer a generated placeholder' {
        (Get-Content -LiteralPath $path -Raw).Contains('WURTODO-SKELETON') | Should -BeFalse
    }

    It 'has comment-based help with a synopsis and a description' {
        $help = $parsed.Ast.GetHelpContent()
        $help | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Description | Should -Not -BeNullOrEmpty
    }

    It 'declares [CmdletBinding()] with SupportsShouldProcess exactly when it changes the machine' {
        $binding = @($parsed.Ast.ParamBlock.Attributes | Where-Object { $_.TypeName.Name -eq 'CmdletBinding' })
        $binding.Count | Should -Be 1
        $should = @($binding[0].NamedArguments | Where-Object { $_.ArgumentName -eq 'SupportsShouldProcess' -and $_.Argument.Extent.Text -eq '$true' })
        ($should.Count -eq 1) | Should -Be (-not $ReadOnly)
    }

    It 'declares exactly the manifest parameters (name, type, Mandatory)' {
        $declared = @($parsed.Ast.ParamBlock.Parameters)
        @($declared | ForEach-Object { $_.Name.VariablePath.UserPath } | Sort-Object) -join ',' |
            Should -BeExactly (@($entry.params | ForEach-Object { $_.name } | Sort-Object) -join ',')
        foreach ($p in $entry.params) {
            $ast = $declared | Where-Object { $_.Name.VariablePath.UserPath -ceq $p.name }
            $ast.StaticType | Should -Be $paramTypes[$p.type] -Because ('{0} is {1} in the manifest' -f $p.name, $p.type)
            $mandatory = @($ast.Attributes | Where-Object { $_.TypeName.Name -eq 'Parameter' } |
                    ForEach-Object { $_.NamedArguments } |
                    Where-Object { $_.ArgumentName -eq 'Mandatory' -and $_.Argument.Extent.Text -eq '$true' })
            ($mandatory.Count -eq 1) | Should -Be ([bool]$p.required) -Because ('{0} required: {1}' -f $p.name, $p.required)
        }
    }

    It 'sets strict mode and stops on errors at the top level' {
        $top = @($parsed.Ast.EndBlock.Statements | ForEach-Object { $_.Extent.Text })
        $top | Should -Contain 'Set-StrictMode -Version Latest'
        $top | Should -Contain "`$ErrorActionPreference = 'Stop'"
    }
}
