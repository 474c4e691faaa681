"""Every page's layout, the core's and the modules', is made safe and Chinese as it is served.

- Graphs: plotly.js's modebar can show its logo (a link to plotly.com), a "share chart"
  button that uploads the figure to Plotly Cloud and an "edit in Chart Studio" link. Every
  dcc.Graph gets NO_SENDING_CONFIG over whatever config it was given, so a module that
  forgets one of the keys still sends nothing away, and the zh-CN locale unless it asked
  for another.
- Dash 4's dcc.Dropdown and dash-ag-grid draw their own English ("Search", "Select All",
  "No Rows To Show", the filter menus, the pager): each gets the texts below, under any it
  was given itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dash
import dash_ag_grid as dag
from dash import dcc
from dash.development.base_component import Component

from modules.sdk.graphs import NO_SENDING_CONFIG, SAFE_GRAPH_CONFIG

_GUARDED = "_onemap_safe_graphs"

# dcc.Dropdown's `labels` (Dash 4): every key it has, or it would show English for the rest.
DROPDOWN_LABELS: dict[str, str] = {
    "select_all": "全选",
    "deselect_all": "全不选",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索",
    "clear_selection": "清除所选",
    "no_options_found": "没有匹配的选项",
}

# AG Grid's localeText for what a community grid shows: overlays, the pager, the filter
# menus, the column menu and what screen readers announce.
GRID_LOCALE_TEXT: dict[str, str] = {
    "loadingOoo": "加载中…",
    "loadingError": "出错",
    "noRowsToShow": "没有数据",
    "noMatchingRows": "没有符合条件的行",
    "exportingOoo": "正在导出…",
    "more": "更多",
    # pager: "页码 1 / 5", "1 至 20 / 96"
    "page": "页码",
    "of": "/",
    "to": "至",
    "firstPage": "首页",
    "previousPage": "上一页",
    "nextPage": "下一页",
    "lastPage": "末页",
    "pageSizeSelectorLabel": "每页行数：",
    "ariaPageSizeSelectorLabel": "每页行数",
    "pageLastRowUnknown": "?",
    # filters
    "filterOoo": "筛选…",
    "textFilter": "文本筛选",
    "numberFilter": "数字筛选",
    "dateFilter": "日期筛选",
    "setFilter": "集合筛选",
    "empty": "请选择",
    "equals": "等于",
    "notEqual": "不等于",
    "lessThan": "小于",
    "greaterThan": "大于",
    "lessThanOrEqual": "小于等于",
    "greaterThanOrEqual": "大于等于",
    "inRange": "介于",
    "inRangeStart": "从",
    "inRangeEnd": "到",
    "contains": "包含",
    "notContains": "不包含",
    "startsWith": "开头是",
    "endsWith": "结尾是",
    "blank": "为空",
    "notBlank": "不为空",
    "before": "早于",
    "after": "晚于",
    "andCondition": "且",
    "orCondition": "或",
    "dateFormatOoo": "年-月-日",
    "blanks": "（空白）",
    "selectAll": "（全选）",
    "searchOoo": "搜索…",
    "noMatches": "没有匹配项",
    "applyFilter": "应用",
    "resetFilter": "重置",
    "clearFilter": "清除",
    "cancelFilter": "取消",
    "invalidDate": "日期无效",
    "invalidNumber": "数字无效",
    # column menu
    "pinColumn": "固定列",
    "pinLeft": "固定在左侧",
    "pinRight": "固定在右侧",
    "noPin": "不固定",
    "autosizeThisColumn": "自动调整本列宽度",
    "autosizeAllColumns": "自动调整所有列宽度",
    "resetColumns": "重置列",
    "sortAscending": "升序",
    "sortDescending": "降序",
    "sortUnSort": "取消排序",
    "columnFilter": "列筛选",
    "columnChooser": "选择列",
    "chooseColumns": "选择列",
    "columns": "列",
    "filters": "筛选",
    # screen readers
    "ariaChecked": "已选中",
    "ariaUnchecked": "未选中",
    "ariaIndeterminate": "部分选中",
    "ariaRowToggleSelection": "按空格键选中或取消此行",
    "ariaRowSelectAll": "按空格键选中或取消全部行",
    "ariaRowSelectionDisabled": "此行不可选",
    "ariaHeaderSelection": "选择列",
    "ariaLabelColumnMenu": "列菜单",
    "ariaLabelColumnFilter": "列筛选",
    "ariaColumnFiltered": "本列已筛选",
    "ariaFilterColumn": "按 Ctrl+Enter 打开筛选",
    "ariaFilterMenuOpen": "打开筛选菜单",
    "ariaFilterInput": "筛选输入框",
    "ariaFilterValue": "筛选值",
    "ariaFilterFromValue": "起始值",
    "ariaFilterToValue": "结束值",
    "ariaFilteringOperator": "筛选条件",
    "ariaDateFilterInput": "日期筛选输入框",
    "ariaMenuColumn": "按 Alt+↓ 打开列菜单",
    "ariaSortableColumn": "按 Enter 排序",
    "ariaInputEditor": "输入编辑器",
    "ariaLabelTooltip": "提示",
    "ariaPendingChange": "待保存的修改",
    "ariaSkeletonCellLoading": "行数据加载中",
    "ariaToggleCellValue": "按空格键切换单元格的值",
    "ariaSearch": "搜索",
    "ariaSearchFilterValues": "搜索筛选值",
}


def components(layout: Any) -> Iterator[Component]:
    """Every component in a layout (a component, or a list of them), outermost first."""
    for item in layout if isinstance(layout, list | tuple) else [layout]:
        if not isinstance(item, Component):
            continue
        yield item
        for _path, child in item._traverse_with_paths():
            if isinstance(child, Component):
                yield child


def graphs(layout: Any) -> Iterator[dcc.Graph]:
    """Every dcc.Graph in a layout (a component, or a list of them)."""
    return (item for item in components(layout) if isinstance(item, dcc.Graph))


def safe_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """A graph's config with nothing that sends data away, in zh-CN unless it chose."""
    return {**SAFE_GRAPH_CONFIG, **(config or {}), **NO_SENDING_CONFIG}


def make_safe(layout: Any) -> Any:
    """The layout with every graph's config safe and every dropdown and grid in zh-CN."""
    for item in components(layout):
        if isinstance(item, dcc.Graph):
            item.config = safe_config(getattr(item, "config", None))
        elif isinstance(item, dcc.Dropdown):
            item.labels = {**DROPDOWN_LABELS, **(getattr(item, "labels", None) or {})}
        elif isinstance(item, dag.AgGrid):
            options = dict(getattr(item, "dashGridOptions", None) or {})
            options["localeText"] = {**GRID_LOCALE_TEXT, **(options.get("localeText") or {})}
            item.dashGridOptions = options
    return layout


def _guarded(layout: Any) -> Any:
    if getattr(layout, _GUARDED, False):
        return layout
    if not callable(layout):
        return make_safe(layout)

    def safe_layout(**query: Any) -> Any:
        return make_safe(layout(**query))

    setattr(safe_layout, _GUARDED, True)
    return safe_layout


def guard_pages() -> None:
    """Make every registered page's layout safe (call once all pages are registered)."""
    for entry in dash.page_registry.values():
        entry["layout"] = _guarded(entry["layout"])
