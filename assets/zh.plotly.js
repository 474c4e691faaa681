/* plotly.js in Chinese, and never able to send a chart away, on every graph.
 *
 * Defines the zh-CN locale (the modebar's tooltips and messages, and dates on axes and in
 * hover labels: "6月5日", "2015年9月") and makes it, with no cloud or Chart Studio control,
 * the default config of every graph, including those a module's callback returns with a
 * config of its own that forgot a key (app/graph_config.py forces the same on every page's
 * graphs). plotly.js is loaded after this file, by the first dcc.Graph that needs it (from
 * tools/plotly-bundle or Dash's copy): both assign window.Plotly once they are evaluated,
 * so the locale and defaults are given to whichever arrives, at that moment.
 */
(function () {
    'use strict';

    var ZH_CN = {
        moduleType: 'locale',
        name: 'zh-CN',
        dictionary: {
            'Autoscale': '自动缩放',
            'Box Select': '框选',
            'Lasso Select': '套索选择',
            'Compare data on hover': '悬停时比较数据',
            'Show closest data on hover': '悬停时显示最近的数据',
            'Toggle show closest data on hover': '切换悬停时显示最近的数据',
            'Toggle Spike Lines': '显示/隐藏十字准线',
            'Double-click on legend to isolate one trace': '双击图例只显示该项',
            'Double-click to zoom back out': '双击恢复原来的缩放',
            'Download plot': '下载图片',
            'Download plot as a PNG': '下载为 PNG 图片',
            'Download plot as JSON': '下载为 JSON',
            'Image download succeeded': '图片已下载',
            'JSON download succeeded': 'JSON 已下载',
            'Preparing image - this may take a few seconds': '正在生成图片，可能需要几秒钟',
            'Sorry, there was a problem downloading your image!': '抱歉，图片下载失败！',
            'Sorry, there was a problem downloading your JSON file!': '抱歉，JSON 文件下载失败！',
            'Pan': '平移',
            'Zoom': '缩放',
            'Zoom in': '放大',
            'Zoom out': '缩小',
            'Reset': '重置',
            'Reset axes': '重置坐标轴',
            'Reset view': '重置视图',
            'Reset views': '重置视图',
            'Orbital rotation': '轨道旋转',
            'Turntable rotation': '转台旋转',
            'Reset camera to default': '镜头恢复默认',
            'Reset camera to last save': '镜头恢复上次保存',
            'Draw line': '画线',
            'Draw open freeform': '画开放曲线',
            'Draw closed freeform': '画封闭图形',
            'Draw circle': '画圆',
            'Draw rectangle': '画矩形',
            'Erase active shape': '删除所选图形',
            'Produced with Plotly.js': '由 Plotly.js 生成',
            'Cancel': '取消',
            'new text': '新文本',
            'trace': '系列',
            'lat:': '纬度：',
            'lon:': '经度：',
            'min:': '最小值：',
            'max:': '最大值：',
            'mean:': '平均值：',
            'mean ± σ:': '平均值 ± σ：',
            'median:': '中位数：',
            'q1:': '下四分位数：',
            'q3:': '上四分位数：',
            'lower fence:': '下限：',
            'upper fence:': '上限：',
            'open:': '开：',
            'high:': '高：',
            'low:': '低：',
            'close:': '收：',
            'Click to enter Plot title': '点击输入图表标题',
            'Click to enter Plot subtitle': '点击输入图表副标题',
            'Click to enter X axis title': '点击输入 X 轴标题',
            'Click to enter Y axis title': '点击输入 Y 轴标题',
            'Click to enter Colorscale title': '点击输入色标标题'
        },
        format: {
            days: ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
            shortDays: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
            months: ['一月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月',
                '十一月', '十二月'],
            shortMonths: ['1月', '2月', '3月', '4月', '5月', '6月', '7月', '8月', '9月', '10月',
                '11月', '12月'],
            periods: ['上午', '下午'],
            dateTime: '%Y年%-m月%-d日 %A %X',
            date: '%Y-%m-%d',
            time: '%H:%M:%S',
            decimal: '.',
            thousands: ',',
            grouping: [3],
            currency: ['¥', ''],
            // the tick labels plotly.js writes on date axes
            year: '%Y年',
            month: '%Y年%-m月',
            dayMonth: '%-m月%-d日',
            dayMonthYear: '%Y年%-m月%-d日'
        }
    };

    var DEFAULT_CONFIG = {
        locale: 'zh-CN',
        displaylogo: false,
        showSendToCloud: false,
        plotlyServerURL: ''
    };

    function adopt(plotly) {
        if (!plotly || typeof plotly.register !== 'function') return;
        plotly.register(ZH_CN);
        plotly.setPlotConfig(DEFAULT_CONFIG);
    }

    if (window.Plotly) {
        adopt(window.Plotly);
        return;
    }
    var held;
    Object.defineProperty(window, 'Plotly', {
        configurable: true,
        enumerable: true,
        get: function () { return held; },
        set: function (plotly) {
            held = plotly;
            adopt(plotly);
        }
    });
}());
