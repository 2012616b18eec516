// Command trailgen writes deterministic synthetic CloudTrail log files (benchdata.Trail) for
// the replay benchmark, split into files as CloudTrail delivers them:
//
//	go run ./internal/benchdata/trailgen -n 200000 -files 100 -o DIR/trail-%03d.json.gz
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ec2guard/ec2guard/internal/benchdata"
)

func main() {
	var t benchdata.Trail
	var out, instances, volumes string
	var files int
	flag.IntVar(&t.Records, "n", 200000, "records")
	flag.Uint64Var(&t.Seed, "seed", 1, "seed")
	flag.Float64Var(&t.CreateShare, "create-share", 0.01, "fraction of RunInstances/CreateVolume records")
	flag.StringVar(&instances, "instances", "", "comma-separated instance ids the RunInstances records name")
	flag.StringVar(&volumes, "volumes", "", "comma-separated volume ids the CreateVolume records name")
	flag.IntVar(&files, "files", 1, "split the records into this many files")
	flag.StringVar(&out, "o", "", "output file, a printf pattern of the file number when -files > 1; gzip'd when it ends in .gz")
	flag.Parse()
	if instances != "" {
		t.Instances = strings.Split(instances, ",")
	}
	if volumes != "" {
		t.Volumes = strings.Split(volumes, ",")
	}
	total, seed := t.Records, t.Seed
	for i := 0; i < files; i++ {
		t.Records = total/files + map[bool]int{true: 1}[i < total%files]
		t.Seed = seed + uint64(i)
		name := out
		if files > 1 {
			name = fmt.Sprintf(out, i)
		}
		if err := write(name, benchdata.CloudTrailLog(t)); err != nil {
			fmt.Fprintln(os.Stderr, "trailgen:", err)
			os.Exit(1)
		}
	}
}

func write(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if strings.HasSuffix(name, ".gz") {
		zw := gzip.NewWriter(f)
		if _, err := zw.Write(data); err != nil {
			f.Close()
			return err
		}
		if err := zw.Close(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
