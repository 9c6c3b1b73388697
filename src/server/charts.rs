//! Bar charts as SVG, drawn on the server with plotters so they show
//! without JavaScript and cost the browser bundle nothing.

use plotters::prelude::*;

use crate::domain::time::{DAY, Millis};

const WIDTH: u32 = 720;
const HEIGHT: u32 = 260;
/// The site's colours (style/main.css `--brand`, `--ink-soft`, `--line`).
const BAR: RGBColor = RGBColor(0x0f, 0x76, 0x6e);
const INK: RGBColor = RGBColor(0x55, 0x60, 0x5d);
const HIGHEST: i64 = 1_000_000_000_000_000;
const GRID: RGBColor = RGBColor(0xdf, 0xe3, 0xe1);

/// One bar per day from `first_day`, the y axis up to at least `min_top`
/// and written by `y_text`. The chart is an image named by the element
/// `labelled_by` (its caption); the figures themselves are in a table
/// beside it, the text alternative.
pub fn daily_bars(
    values: &[i64],
    first_day: Millis,
    min_top: i64,
    y_text: &dyn Fn(i64) -> String,
    labelled_by: &str,
) -> Result<String, String> {
    let mut svg = String::new();
    draw(&mut svg, values, first_day, min_top, y_text).map_err(|e| format!("chart not drawn: {e}"))?;
    // plotters writes a fixed size and no role: the chart scales with the
    // page (CSS) and is announced as one image with its caption's name.
    let attributes = format!(
        "<svg class=\"chart__svg\" role=\"img\" aria-labelledby=\"{labelled_by}\" focusable=\"false\" "
    );
    Ok(svg.replacen("<svg ", &attributes, 1))
}

fn draw<'a>(
    svg: &'a mut String,
    values: &[i64],
    first_day: Millis,
    min_top: i64,
    y_text: &dyn Fn(i64) -> String,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    let days = i32::try_from(values.len()).unwrap_or(i32::MAX).max(1);
    // plotters' axis arithmetic overflows near i64::MAX (a panic in a debug
    // build, nonsense in release); no day reaches this ceiling in practice
    // (¥10 trillion), and a bar above it is drawn at the top.
    let bounded = |value: i64| value.clamp(0, HIGHEST);
    let top = nice_ceiling(values.iter().copied().map(bounded).max().unwrap_or(0).max(min_top).min(HIGHEST));
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(26)
        .y_label_area_size(70)
        // A segmented range has a segment for its end too: 0..days-1 is
        // `days` segments.
        .build_cartesian_2d((0..days - 1).into_segmented(), 0..top)?;
    // Each day's label under the middle of its bar.
    let day_label = |segment: &SegmentValue<i32>| {
        let SegmentValue::CenterOf(day) = segment else { return String::new() };
        let at = first_day + i64::from(*day) * DAY;
        time::OffsetDateTime::from_unix_timestamp(at / 1000)
            .map(|date| format!("{:02}-{:02}", u8::from(date.month()), date.day()))
            .unwrap_or_default()
    };
    let y_label = |value: &i64| y_text(*value);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .bold_line_style(GRID)
        .axis_style(INK)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&day_label)
        .y_label_formatter(&y_label)
        .label_style(("sans-serif", 13).into_font().color(&INK))
        .draw()?;
    chart.draw_series(values.iter().zip(0..).map(|(value, day)| {
        let corners = [(SegmentValue::Exact(day), 0), (SegmentValue::Exact(day + 1), bounded(*value))];
        let mut bar = Rectangle::new(corners, BAR.filled());
        bar.set_margin(0, 0, 2, 2);
        bar
    }))?;
    root.present()?;
    Ok(())
}

/// A round top for the y axis above `max` (1, 2 or 5 times a power of ten),
/// so the gridlines fall on round figures; at least 1.
fn nice_ceiling(max: i64) -> i64 {
    let mut step = 1i64;
    loop {
        for multiple in [1, 2, 5] {
            let top = step.saturating_mul(multiple);
            if top >= max || top == i64::MAX {
                return top;
            }
        }
        step = step.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_figures_draw_without_a_panic() {
        let magnitudes = (0..19).flat_map(|power| [1, 3, 7].map(|m| vec![m * 10i64.pow(power), 1]));
        let odd = [vec![], vec![0; 30], vec![i64::MAX; 30], vec![-5, 3], vec![i64::MIN, 0]];
        for values in magnitudes.chain(odd) {
            for min_top in [1, 100] {
                let drawn = daily_bars(&values, 0, min_top, &|v| v.to_string(), "c");
                assert!(drawn.is_ok(), "{values:?}: {drawn:?}");
            }
        }
    }

    #[test]
    fn the_top_of_the_axis_is_round_and_above_every_bar() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(199_900), 200_000);
        assert_eq!(nice_ceiling(200_001), 500_000);
        assert_eq!(nice_ceiling(i64::MAX), i64::MAX);
    }

    #[test]
    fn a_chart_is_an_image_named_by_its_caption_with_a_bar_per_day() {
        let values = [0, 150, 0, 4_200];
        let svg = daily_bars(&values, 1_795_824_000_000, 1, &|v| format!("¥{v}"), "turnover-caption")
            .expect("drawn");
        assert!(
            svg.starts_with("<svg class=\"chart__svg\" role=\"img\" aria-labelledby=\"turnover-caption\"")
        );
        assert!(svg.contains("11-28"), "days are labelled: {svg}");
        assert!(svg.contains("¥5000"), "the axis is written by the caller: {svg}");
        assert!(!svg.contains("style="), "no inline style, which the page's CSP would refuse");
        // The plot area's frame is a rect too; the bars are the filled ones.
        let bars = svg.matches(&format!("fill=\"#{:02X}{:02X}{:02X}\"", BAR.0, BAR.1, BAR.2)).count();
        assert_eq!(bars, values.len(), "{svg}");
    }
}
