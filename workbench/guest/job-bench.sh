#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench`, guest side: print raw figures between BENCH-BEGIN/BENCH-END
# markers; bench/report.py on the host turns them into the table.
# Kernel command line:
#   wb.variant=stock|ours  wb.parts=density,compact,opcost,freelat
#   wb.orders=2,3,4 (ours: zsmalloc.zspage_order for density; stock: its
#   build-time chain)  wb.mib=256  wb.reps=N  wb.nprocs=1,2
#   wb.clock=icount|tcg (how the host ran QEMU; labels the free latency
#   and the op costs)  wb.opthreads=all|N (op costs on all / N CPUs at
#   once, one pool; default: on one CPU)  wb.opparams=count=4096,passes=1
#   (more zsbench module parameters)
# Needs (from the bench initramfs): /wb/bench-corpus.bin, /wb/zsbench.ko,
# /wb/bin/bench-tool.
. /wb/lib.sh
variant=$(arg wb.variant); parts=$(arg wb.parts); orders=$(arg wb.orders)
mib=$(arg wb.mib); reps=$(arg wb.reps); nprocs=$(arg wb.nprocs)
clock=$(arg wb.clock); opthreads=$(arg wb.opthreads); opparams=$(arg wb.opparams)
z=/sys/block/zram0
corpus=/wb/bench-corpus.bin
order_param=/sys/module/zsmalloc/parameters/zspage_order
packed_param=/sys/module/zsmalloc/parameters/packed
defer_param=/sys/module/zram/parameters/deferred_free

has() { case ",$parts," in *",$1,"*) return 0 ;; esac; return 1; }

# zram_setup COMP ORDER SIZE: a fresh zram0 (ORDER "-": the boot-time default
# order on ours, put back after the density loop changed it; stock has none;
# ORDER with a "p" or "c" after it, e.g. 3c: ours' packed pool, or pool of
# size classes, of that order; without: the boot-time default kind).
zram_setup() {
	swapoff /dev/zram0 2>/dev/null
	echo 1 >$z/reset || return 1
	o=$2
	[ "$o" = - ] && o=$def_order
	if [ -e $packed_param ]; then
		case $o in
		*p) o=${o%p}; echo 1 >$packed_param ;;
		*c) o=${o%c}; echo 0 >$packed_param ;;
		*) echo "$def_packed" >$packed_param ;;
		esac
	fi
	if [ -n "$o" ]; then
		echo "$o" >$order_param || { echo "cannot set zspage_order $o"; return 1; }
	fi
	echo "$1" >$z/comp_algorithm || { echo "cannot set compressor $1"; return 1; }
	echo "$3" >$z/disksize
}

# snap TAG: mm_stat and the class table, raw.
snap() {
	echo "BENCH-BEGIN $1"
	echo "mm_stat $(cat $z/mm_stat)"
	cat /sys/kernel/debug/zsmalloc/zram0/classes
	echo "BENCH-END"
}

echo "BENCH-INFO variant=$variant kernel=$(uname -r) cpus=$(nproc) corpus_bytes=$(wc -c <$corpus)"
# What the timings are read with: a boot whose TSC failed to calibrate
# under TCG runs on jiffies (4 ms steps), which bench.sh boots again.
echo "BENCH-CLOCK $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
def_order=
if [ -e $order_param ]; then
	def_order=$(cat $order_param)
	echo "BENCH-INFO zspage_order_default=$def_order"
fi
def_packed=
if [ -e $packed_param ]; then
	def_packed=$(cat $packed_param)
	echo "BENCH-INFO packed_default=$def_packed"
fi
rc=0

# Density: the corpus written to zram0 (fill); every other MiB discarded
# and written again with the same data, without compaction in between
# (churn: what frees leave for new objects to reuse); that half discarded
# again and zram compacted (half). Order "-" is stock's build-time chain.
if has density; then
	mib_in=$(($(wc -c <$corpus) >> 20))
	for comp in lzo-rle zstd; do
		for order in $(echo "$orders" | tr , ' '); do
			[ "$variant" = stock ] && order=-
			zram_setup $comp $order 512M || { rc=1; continue; }
			dd if=$corpus of=/dev/zram0 bs=1M oflag=direct 2>/dev/null || rc=1
			tag="density comp=$comp order=$order"
			snap "$tag phase=fill"
			bench-tool discard /dev/zram0 2097152 1048576 1048576 >/dev/null || rc=1
			sleep 1 # deferred frees land before the writes
			i=1
			while [ $i -lt "$mib_in" ]; do
				dd if=$corpus of=/dev/zram0 bs=1M skip=$i seek=$i count=1 \
					oflag=direct 2>/dev/null || rc=1
				i=$((i + 2))
			done
			snap "$tag phase=churn"
			bench-tool discard /dev/zram0 2097152 1048576 1048576 >/dev/null || rc=1
			echo "BENCH-TIME $tag phase=compact $(bench-tool time "echo 1 >$z/compact")"
			snap "$tag phase=half"
			[ "$variant" = stock ] && break
		done
	done
fi

# Compaction: the corpus (lzo-rle, default order), then every other 4 KiB
# page discarded: each zspage is left about half full. Pages freed by one
# `compact` and how long it took.
# The corpus write and a read of it back are timed: zram's store and
# load paths (through zsmalloc's object API on ours).
if has compact; then
	zram_setup lzo-rle - 512M || rc=1
	mib_in=$(($(wc -c <$corpus) >> 20))
	echo "BENCH-TIME zram phase=write $(bench-tool time "dd if=$corpus of=/dev/zram0 bs=1M oflag=direct 2>/dev/null")" || rc=1
	echo "BENCH-TIME zram phase=read $(bench-tool time "dd if=/dev/zram0 of=/dev/null bs=1M count=$mib_in iflag=direct 2>/dev/null")" || rc=1
	bench-tool discard /dev/zram0 8192 4096 4096 >/dev/null || rc=1
	snap "compact phase=before"
	echo "BENCH-TIME compact phase=compact $(bench-tool time "echo 1 >$z/compact")"
	snap "compact phase=after"
fi

# Op costs: the zsbench module (runs at load); with wb.opthreads, on that
# many CPUs at once ("all": every online CPU), its lines say threads=T.
if has opcost; then
	params="corpus=$corpus $(echo "$opparams" | tr , ' ')"
	case $opthreads in
	'' | 0) ;;
	all) params="$params threads=$(nproc)" ;;
	*) params="$params threads=$opthreads" ;;
	esac
	# Ours also through mainline's object API (zs_obj_write/read_begin),
	# and both again in packed pools (their lines say pool=packed).
	apis=map
	[ "$variant" = ours ] && apis="map obj"
	kinds=classes
	[ -e $packed_param ] && kinds="classes packed"
	for k in $kinds; do
		tag=
		if [ -e $packed_param ]; then
			case $k in packed) echo 1 >$packed_param; tag="pool=packed " ;; *) echo 0 >$packed_param ;; esac
		fi
		for a in $apis; do
			dmesg -c >/dev/null
			# shellcheck disable=SC2086 # one word per module parameter
			if insmod /wb/zsbench.ko $params api=$a; then
				dmesg | sed -n "s/.*zsbench: \(size=.*\)/BENCH-OPCOST clock=${clock:-tcg} $tag\1/p"
				rmmod zsbench
			else
				echo "insmod zsbench.ko $params api=$a failed:"; dmesg | tail -5; rc=1
			fi
		done
	done
	[ -e $packed_param ] && echo "$def_packed" >$packed_param
fi

# Free latency: zram0 as swap; munmap of MIB MiB of paged-out real data.
# Ours with the deferred-free switch alternates deferral off and on.
if has freelat; then
	zram_setup lzo-rle - 2G && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 || rc=1
	modes=-
	if [ "$variant" = ours ]; then
		modes=off
		[ -e $defer_param ] && modes="off on" ||
			echo "BENCH-INFO deferred_free=absent ($defer_param does not exist)"
	fi
	r=1
	while [ $r -le "$reps" ]; do
		for np in $(echo "$nprocs" | tr , ' '); do
			for m in $modes; do
				case $m in off) echo N >$defer_param 2>/dev/null ;; on) echo Y >$defer_param ;; esac
				echo 1 >$z/compact
				line=$(bench-tool freelat $corpus "$mib" "$np") || rc=1
				echo "BENCH-FREELAT clock=${clock:-tcg} defer=$m rep=$r $line"
			done
		done
		r=$((r + 1))
	done
	if [ -d /sys/kernel/debug/zsmalloc/zram0 ]; then
		grep deferred_ /sys/kernel/debug/zsmalloc/zram0/stats 2>/dev/null |
			sed 's/^/BENCH-INFO stats /'
	fi
	swapoff /dev/zram0
fi
exit $rc
