package report

import (
	"fmt"
	"math"
)

// The charts are computed here as geometry and drawn by the page's template, so every
// label goes through html/template's escaping like the rest of the page.

// segment is one coloured piece of a bar.
type segment struct {
	X, Y, W, H float64
	Class      string // the status or outcome, for the colour
	Title      string // the tooltip
}

// statusBar is the verdicts of every control record as one horizontal bar.
type statusBar struct {
	Width    float64
	Segments []segment
}

func newStatusBar(c Counts) statusBar {
	const width = 720.0
	b := statusBar{Width: width}
	total := c.Total()
	if total == 0 {
		return b
	}
	x := 0.0
	for _, s := range []struct {
		class string
		n     int
	}{{Pass, c.Pass}, {Fail, c.Fail}, {Error, c.Error}, {NotApplicable, c.NotApplicable}} {
		if s.n == 0 {
			continue
		}
		w := width * float64(s.n) / float64(total)
		b.Segments = append(b.Segments, segment{X: x, W: w, H: 28, Class: s.class, Title: fmt.Sprintf("%s: %d", s.class, s.n)})
		x += w
	}
	return b
}

// controlBars is pass, fail and error per control, one row each, the most failing first.
type controlBars struct {
	Width, Height, LabelW float64
	Rows                  []barRow
	More                  int // controls left out of the chart (they are in the table)
}

type barRow struct {
	Y, TextY float64
	Label    string
	Note     string
	Segments []segment
}

const maxBars = 30

func newControlBars(cs []ControlPosture) controlBars {
	const labelW, barW, rowH = 150.0, 520.0, 18.0
	b := controlBars{LabelW: labelW, Width: labelW + barW + 90}
	if len(cs) > maxBars {
		b.More = len(cs) - maxBars
		cs = cs[:maxBars]
	}
	most := 0
	for _, c := range cs {
		most = max(most, c.Pass+c.Fail+c.Error)
	}
	for i, c := range cs {
		y := float64(i) * rowH
		r := barRow{Y: y, TextY: y + 12.5, Label: c.ID, Note: fmt.Sprintf("%d fail", c.Fail)}
		x := labelW
		for _, s := range []struct {
			class string
			n     int
		}{{Fail, c.Fail}, {Error, c.Error}, {Pass, c.Pass}} {
			if s.n == 0 || most == 0 {
				continue
			}
			w := barW * float64(s.n) / float64(most)
			r.Segments = append(r.Segments, segment{X: x, Y: y + 2, W: w, H: rowH - 4, Class: s.class, Title: fmt.Sprintf("%s %s: %d", c.ID, s.class, s.n)})
			x += w
		}
		b.Rows = append(b.Rows, r)
	}
	b.Height = float64(len(b.Rows)) * rowH
	return b
}

// dayChart is the remediation decisions per day, stacked by outcome.
type dayChart struct {
	Width, Height, PlotH, Left float64
	Bars                       []dayBar
	Ticks                      []tick
	Legend                     []legendItem
	More                       int // earlier days left out of the chart (they are in the table)
}

type dayBar struct {
	Segments  []segment
	Label     string // the day, on every few bars
	X, LabelY float64
}

type tick struct {
	Y     float64
	Label string
}

type legendItem struct {
	X     float64
	Class string
	Label string
}

const maxDays = 90

func newDayChart(days []Day, outcomes []string) dayChart {
	const top, plotH, left, barSpace = 10.0, 180.0, 40.0, 12.0
	c := dayChart{PlotH: top + plotH, Left: left, Height: top + plotH + 60}
	if len(days) > maxDays {
		c.More = len(days) - maxDays
		days = days[len(days)-maxDays:]
	}
	most := 0
	for _, d := range days {
		most = max(most, d.Total)
	}
	step := max(barSpace, math.Min(40, 680/math.Max(1, float64(len(days)))))
	c.Width = left + step*float64(len(days)) + 20
	c.Width = math.Max(c.Width, 420)
	labelEvery := int(math.Ceil(70 / step))
	for i, d := range days {
		x := left + float64(i)*step
		bar := dayBar{X: x + step/2, LabelY: top + plotH + 16}
		if i%labelEvery == 0 {
			bar.Label = d.Day[5:] // MM-DD; the year is in the table
		}
		y := top + plotH
		for _, o := range outcomes {
			n := d.ByOutcome[o]
			if n == 0 {
				continue
			}
			h := plotH * float64(n) / float64(most)
			y -= h
			bar.Segments = append(bar.Segments, segment{X: x + 1, Y: y, W: step - 2, H: h, Class: o, Title: fmt.Sprintf("%s %s: %d", d.Day, o, n)})
		}
		c.Bars = append(c.Bars, bar)
	}
	if most > 0 {
		for _, f := range []float64{0, 0.5, 1} {
			c.Ticks = append(c.Ticks, tick{Y: top + plotH - plotH*f, Label: fmt.Sprint(int(math.Round(float64(most) * f)))})
		}
	}
	for i, o := range outcomes {
		c.Legend = append(c.Legend, legendItem{X: left + float64(i)*100, Class: o, Label: o})
	}
	return c
}
