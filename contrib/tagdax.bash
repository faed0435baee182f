# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for tagdax: commands, sub-commands, options, tags (from
# `tagdax list`), fabric hosts (DIR/hosts/*) and directories.
# Installed as DATADIR/bash-completion/completions/tagdax.

_tagdax_tags()
{
	"$1" list --no-headings 2>/dev/null | while read -r tag _; do
		[[ $tag =~ ^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$ ]] && echo "$tag"
	done
}

# The fabric directory named on the line (--dir DIR), else TAGDAX_FABRIC.
_tagdax_fabric_dir()
{
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		if [[ ${COMP_WORDS[i]} == --dir ]]; then
			echo "${COMP_WORDS[i + 1]}"
			return
		fi
	done
	echo "${TAGDAX_FABRIC:-}"
}

_tagdax_hosts()
{
	local dir h
	dir=$(_tagdax_fabric_dir)
	dir=${dir/#\~/$HOME}
	[[ -n $dir && -d $dir/hosts ]] || return
	for h in "$dir"/hosts/*/; do
		h=${h%/}
		echo "${h##*/}"
	done
}

_tagdax()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local roots="--sysfs-root --dev-root --config --run-dir --verbose --help --version"
	local cmd="" sub="" i w opts=""

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--sysfs-root | --dev-root | --run-dir) ((i++)); continue ;;
		--config) [[ $cmd == fabric ]] || { ((i++)); continue; } ;;
		-*) continue ;;
		esac
		if [[ -z $cmd ]]; then
			cmd=$w
		elif [[ -z $sub && ($cmd == fabric || $cmd == vm || $cmd == help) ]]; then
			sub=$w
		fi
	done

	case $prev in
	--sysfs-root | --dev-root | --run-dir | --dir)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--config | --output | -o | --qmp)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--tag | -t)
		COMPREPLY=($(compgen -W "$(_tagdax_tags "${COMP_WORDS[0]}")" -- "$cur"))
		return ;;
	--host) COMPREPLY=($(compgen -W "$(_tagdax_hosts)" -- "$cur")); return ;;
	--policy) COMPREPLY=($(compgen -W "free contiguous prescriptive" -- "$cur")); return ;;
	--sanitize-on-release) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
	--size | --timeout | --region | --offset | --length | --hold | --extent | --block-size | \
	--hotplug-ports | --port-size)
		return ;;
	esac

	case $cmd in
	"") COMPREPLY=($(compgen -W "list resolve wait exec claim udev-id cdi fabric vm help $roots" -- "$cur")); return ;;
	help) [[ -z $sub ]] && COMPREPLY=($(compgen -W "list resolve wait exec claim udev-id cdi fabric vm" -- "$cur")); return ;;
	list) opts="--json --human --no-headings" ;;
	resolve) opts="--json --human" ;;
	wait) opts="--json --human --timeout" ;;
	claim) opts="" ;;
	exec) opts="--tag --timeout" ;;
	cdi) opts="--output" ;;
	udev-id) COMPREPLY=($(compgen -W "--help" -- "$cur")); return ;;
	fabric)
		case $sub in
		"") COMPREPLY=($(compgen -W "up down add share release ref unref list region read write" -- "$cur")); return ;;
		up) opts="--dir --config --timeout" ;;
		down) opts="--dir --purge --timeout" ;;
		add) opts="--dir --host --size --tag --region --policy --extent --timeout" ;;
		share) opts="--dir --tag --host --timeout" ;;
		release) opts="--dir --tag --host --forced --sanitize --extent --timeout" ;;
		ref | unref) opts="--dir --timeout" ;;
		list) opts="--dir --json" ;;
		region) opts="--dir --region --block-size --sanitize-on-release" ;;
		read) opts="--dir --host --tag --offset --length --hold" ;;
		write) opts="--dir --host --tag --offset --hold" ;;
		esac ;;
	vm)
		case $sub in
		"") COMPREPLY=($(compgen -W "args attach detach" -- "$cur")); return ;;
		args) opts="--libvirt --hotplug-ports --port-size" ;;
		attach | detach) opts="--qmp --timeout" ;;
		esac ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
	elif [[ $cmd =~ ^(list|resolve|wait|claim)$ || ($cmd == vm && -n $sub) ]]; then
		COMPREPLY=($(compgen -W "$(_tagdax_tags "${COMP_WORDS[0]}")" -- "$cur"))
	fi
}
complete -F _tagdax tagdax
