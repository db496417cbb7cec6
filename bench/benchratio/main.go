// Command benchratio reads go test -bench output of BenchmarkProduce
// (internal/kafka), in which each run measures impl=bare and then
// impl=httpkafka against one fresh kfake cluster, and prints, per batch
// and metric, the ratio httpkafka/bare of each run and their median.
//
// A per-run ratio cancels what differs between runs (where kfake put the
// partition leaders, how many produce requests a batch needs), which
// benchstat's medians of each column keep:
//
//	go run ./bench/benchratio dist/bench/produce.txt
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"httpkafka/bench/internal/benchrun"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchratio FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	defer f.Close()
	// last[batch] is the bare run waiting for its httpkafka run.
	last := map[string]map[string]float64{}
	ratios := map[string]map[string][]float64{} // batch -> metric -> per-run ratios
	var batches []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "BenchmarkProduce/") {
			continue
		}
		name := strings.Split(fields[0], "/") // BenchmarkProduce, batch=…, impl=…-N
		if len(name) != 3 {
			continue
		}
		batch, impl := name[1], strings.TrimSuffix(name[2], "-"+lastDash(name[2]))
		m := map[string]float64{}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				m[fields[i+1]] = v
			}
		}
		switch impl {
		case "impl=bare":
			last[batch] = m
		case "impl=httpkafka":
			bare, ok := last[batch]
			if !ok {
				continue
			}
			delete(last, batch)
			if ratios[batch] == nil {
				ratios[batch] = map[string][]float64{}
				batches = append(batches, batch)
			}
			for k, v := range m {
				if b := bare[k]; b > 0 {
					ratios[batch][k] = append(ratios[batch][k], v/b)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	fmt.Println("| batch | metric | per-run ratios httpkafka/bare | median |")
	fmt.Println("| --- | --- | --- | ---: |")
	for _, batch := range batches {
		for _, metric := range []string{"cpu-ns/op", "ns/op", "allocs/msg", "produce-reqs/op"} {
			rs := ratios[batch][metric]
			if len(rs) == 0 {
				continue
			}
			var each []string
			for _, r := range rs {
				each = append(each, strconv.FormatFloat(r, 'f', 2, 64))
			}
			fmt.Printf("| %s | %s | %s | **%.2f** |\n", strings.TrimPrefix(batch, "batch="), metric, strings.Join(each, " "), benchrun.Median(rs))
		}
	}
}

// lastDash is what follows the last '-' of s (the GOMAXPROCS suffix).
func lastDash(s string) string { return s[strings.LastIndexByte(s, '-')+1:] }
