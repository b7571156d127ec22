"""jzcredit — housekeeping-service credit information platform (家政服务信用信息平台)."""

__version__ = "0.1.0"
