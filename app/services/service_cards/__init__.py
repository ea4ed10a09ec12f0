"""The Yangpu talent service card (杨浦人才服务一卡通) and its holders' service requests;
Changning's 高层次人才服务专窗 priority flag (see ``priority_window``)."""
